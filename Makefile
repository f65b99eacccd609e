# eCabinet quick start: `make demo` (install + run with demo data), `make test` (every test).
.PHONY: setup demo serve test

setup:
	bash .ci/setup

demo: setup
	.venv/bin/ecabinet demo --serve

serve: setup
	.venv/bin/ecabinet serve

test:
	bash .ci/test
