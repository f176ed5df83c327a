# smartmaint — common tasks. `make test` is the README's test command.

GO      ?= go
PKGS    ?= ./...
BIN     ?= bin/smartmaint
BENCH   ?= .
BENCHTIME ?= 1x

.PHONY: all build test race lint bench fuzz demo clean

all: lint test build

## build: a static binary in bin/ (no cgo).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/smartmaint

## test: every test; integration suites run when their SMARTMAINT_TEST_* variable is set.
test:
	$(GO) test $(PKGS)

## race: the tests under the race detector (what CI runs).
race:
	$(GO) test -race $(PKGS)

## lint: formatting, vet and staticcheck.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

## bench: the Go benchmarks (measurements, not pass/fail); see BENCHMARKS.md
## for the load tests run with wrk against a live server (scripts/bench-http.sh).
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(PKGS)

## fuzz: each fuzzer of the ingest readers for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	for f in $$($(GO) test -list '^Fuzz' ./internal/ingest | grep '^Fuzz'); do \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./internal/ingest || exit 1; \
	done

## demo: the README's demo command.
demo:
	$(GO) run ./cmd/smartmaint demo

clean:
	rm -rf bin smartmaint-demo
