"""Black-box API tests of oihwatch. Run from the repository root:

    python3 -m unittest discover -s tests/api -t . -v

See harness.py for the environment it needs (DATABASE_URL, OIH_BIN, OIH_SERVER_LOG).
"""

import os
import unittest


def _shutdown_case():
    # Defined in a function so that module loading does not pick it up a second time.
    class ServerShutdown(unittest.TestCase):
        """Runs after every other test: SIGTERM must stop the server with exit code 0."""

        def test_sigterm_exits_zero(self):
            from . import harness

            if not harness.server_started():
                self.skipTest("the server was never started")
            rc = harness.stop_server()
            self.assertEqual(rc, 0, "oihwatch exit code after SIGTERM; log tail:\n"
                                    + harness._server.log_tail())

    return ServerShutdown


def load_tests(loader, standard_tests, pattern):
    this_dir = os.path.dirname(os.path.abspath(__file__))
    suite = unittest.TestSuite()
    suite.addTests(standard_tests)
    suite.addTests(loader.discover(start_dir=this_dir, pattern=pattern or "test*.py"))
    suite.addTests(loader.loadTestsFromTestCase(_shutdown_case()))
    return suite
