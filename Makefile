# specbias: the two commands of the README.
#   make run    set up .venv and run the whole workflow on config.yaml (+ HTML report)
#   make quick  every study kind at toy sizes (configs/quick.yaml), in runs/quick/
#   make test   set up .venv and run the test suite
#   make bench  time every fast path against its reference (bench/results/)
#   make results-docs  docs/results/default.md (and docs/reproduction.md's numbers) from the finished default run
#   make docs   the documentation site in docs/_build/html (warnings are errors)
#   make nt-env     neural-tangents (JAX) in .nt-venv, for the bench's NTK Gram rows (optional, several GB)
#   make paper-circle  P1's circle experiments at P1's sizes (configs/paper_circle.yaml, runs/paper_circle/; its results page)
#   make realdata-cpu  P2's real-data protocol on the bundled images (configs/realdata_cpu.yaml, runs/realdata_cpu/)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.specbias-installed
CORES ?= all

.PHONY: setup run quick report results-docs docs test test-fast lint bench nt-env paper-circle realdata-cpu clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; sys.exit("specbias needs Python >= 3.11, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m specbias.recover
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --report results/report.html
	@echo "Report: results/report.html"

# every study kind at toy sizes (configs/quick.yaml alone), in runs/quick/
quick: $(STAMP)
	$(BIN)/python -m specbias.recover --configfile configs/quick.yaml --replace-workflow-config --directory runs/quick
	$(BIN)/snakemake --cores $(CORES) --configfile configs/quick.yaml --replace-workflow-config --directory runs/quick

report: $(STAMP)
	$(BIN)/snakemake --report results/report.html

# the documentation site (Sphinx + MyST, API reference from the docstrings): warnings are errors
DOCS_STAMP := $(VENV)/.specbias-docs-installed
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html
	@echo "Docs: docs/_build/html/index.html"

# docs/results/default.md from the finished default run (scorecard, time, commit, machine, date)
results-docs: $(STAMP)
	$(BIN)/python bench/run_summary.py . --title "The default run" --out docs/results/default.md \
		--figures "convergence/uniform_circle/figures/heatmap.png" "convergence/uniform_circle/figures/steps.png" \
		"realdata/*/figures/band_energy.png" "realdata/mnist_cnn/figures/confusion.png"
	cp results/scorecard.csv docs/results/default_scorecard.csv
	cp results/convergence/uniform_circle/figures/heatmap.png docs/figures/heatmap.png
	$(BIN)/python bench/render_docs.py docs/reproduction.in.md docs/results/default_scorecard.csv docs/reproduction.md

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q tests -m "not workflow"

bench: $(STAMP)
	$(BIN)/python bench/run.py --out bench/results

# the reference of the bench's "NTK Gram" rows, in its own environment (bench/nt_kernels.py runs there)
nt-env:
	test -x .nt-venv/bin/python || $(PYTHON) -m venv .nt-venv
	.nt-venv/bin/python -m pip install --quiet "jax[cpu]==0.4.26" "jaxlib==0.4.26" "neural-tangents==0.6.5" "tf2jax==0.3.6"

# P1's circle experiments at P1's sizes on their own (not merged over config.yaml), in runs/paper_circle/
paper-circle: $(STAMP)
	$(BIN)/python -m specbias.recover --configfile configs/paper_circle.yaml --replace-workflow-config --directory runs/paper_circle
	$(BIN)/snakemake --cores $(CORES) --configfile configs/paper_circle.yaml --replace-workflow-config --directory runs/paper_circle
	$(BIN)/snakemake --configfile configs/paper_circle.yaml --replace-workflow-config --directory runs/paper_circle --report results/report.html
	$(BIN)/python bench/run_summary.py runs/paper_circle --title "P1's circle experiments at P1's sizes (configs/paper_circle.yaml)" \
		--out docs/results/paper_circle.md --figures "convergence/*/figures/region_convergence.png" "convergence/*/figures/steps.png"

# P2's real-data protocol on the bundled images at CPU sizes, in runs/realdata_cpu/; its results page
realdata-cpu: $(STAMP)
	$(BIN)/python -m specbias.recover --configfile configs/realdata_cpu.yaml --replace-workflow-config --directory runs/realdata_cpu
	$(BIN)/snakemake --cores $(CORES) --configfile configs/realdata_cpu.yaml --replace-workflow-config --directory runs/realdata_cpu
	$(BIN)/python bench/run_summary.py runs/realdata_cpu --title "Real data at CPU sizes (configs/realdata_cpu.yaml)" --out docs/results/realdata_cpu.md \
		--figures "realdata/*/figures/*.png"
	cp runs/realdata_cpu/results/scorecard.csv docs/results/realdata_cpu_scorecard.csv
	$(BIN)/python bench/render_docs.py docs/realdata.in.md docs/results/realdata_cpu_scorecard.csv docs/realdata.md --page docs/results/realdata_cpu.md

lint: $(STAMP)
	$(BIN)/snakemake --lint

clean:
	rm -rf results .snakemake
