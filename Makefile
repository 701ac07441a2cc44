# oihwatch: one GNU Makefile. Objects go to $(BUILD); `make SANITIZE=1` builds with
# AddressSanitizer and UBSan into build/asan, `make TSAN=1` with ThreadSanitizer into
# build/tsan, `make DEBUG=1` without optimisation.
# The targets a newcomer needs: `make run` and `make test` (see README.md).

PKGS := libmicrohttpd jansson libpq libcrypto
CC ?= cc
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

ifeq ($(SANITIZE),1)
BUILD ?= build/asan
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else ifeq ($(TSAN),1)
BUILD ?= build/tsan
SAN := -fsanitize=thread -fno-omit-frame-pointer
else
BUILD ?= build
SAN :=
endif

OPT := $(if $(DEBUG),-O0 -g3,-O2 -g)
WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wpointer-arith -Wcast-qual -Wwrite-strings -Wformat=2 -Wundef \
	-Wvla -Wnull-dereference -Wimplicit-fallthrough -fno-common -Werror
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS := -std=c17 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) $(SAN) -Isrc -I$(BUILD)/gen \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) -DOIH_VERSION='"$(VERSION)"'
LDFLAGS := -pie -Wl,-z,relro,-z,now $(SAN)
LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread

LIB_SRC := $(sort $(filter-out src/main.c,$(shell find src -name '*.c')))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations.o $(BUILD)/obj/gen/openapi.o
MIGRATIONS := $(sort $(wildcard sql/*.sql))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test unit api-test clean format format-check lint migrate openapi \
	image container-test k8s-validate fuzz fuzz-regress bench
all: $(BUILD)/oihwatch

deps:
	@scripts/deps.sh build

$(BUILD)/oihwatch: $(BUILD)/obj/src/main.o $(LIB_OBJ)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -Wno-overlength-strings -c -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed.sh
	@mkdir -p $(dir $@)
	scripts/embed.sh migrations $(MIGRATIONS) > $@

$(BUILD)/gen/openapi.c: docs/openapi.json scripts/embed.sh
	@mkdir -p $(dir $@)
	scripts/embed.sh openapi_files docs/openapi.json > $@

# Unit tests link the library objects and cmocka; no network, no database.
$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

# Programs that need a database (DATABASE_URL); tests/run.sh builds them with TSAN=1.
$(BUILD)/threads/%: tests/threads/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t || exit 1; done

# The embedded default: a PostgreSQL cluster under .pgdata/ when DATABASE_URL is unset.
run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory all
	@scripts/run.sh

test:
	@scripts/deps.sh test
	@tests/run.sh

openapi:
	scripts/openapi.sh bundle

# Container image and deployment checks (see deploy/README.md). container-test builds the
# image with podman (no Docker engine needed) and runs it against a throwaway PostgreSQL.
IMAGE_TAG ?= oihwatch:test

image:
	@scripts/image.sh $(IMAGE_TAG)

container-test:
	@scripts/container-test.sh $(IMAGE_TAG)

k8s-validate:
	@scripts/k8s-validate.sh

# libFuzzer targets of tests/fuzz/ (clang, ASan + UBSan): replay the seeds and every saved
# regression, then fuzz each target for FUZZ_SECONDS. `make fuzz-regress` only replays.
FUZZ_SECONDS ?= 60

fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

fuzz-regress:
	@scripts/fuzz.sh regress

# Throughput, latency and memory beside PostgreSQL's own figures for the same statements
# (scripts/bench.sh; settings in its header). Writes build/bench/results.md.
bench:
	@scripts/bench.sh

format:
	clang-format -i $(shell find src tests -name '*.[ch]')

format-check:
	clang-format --dry-run -Werror $(shell find src tests -name '*.[ch]')

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Isrc -I$(BUILD)/gen src

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
