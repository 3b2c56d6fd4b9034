# The workbook's two commands: `make lab` and `make test`. Both build .venv on first use (and
# rebuild it when pyproject.toml changes), so no activated shell or manual install is needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-from-pyproject

# nbval: re-execute every notebook in this environment and compare stored text outputs.
NBVAL := --nbval --nbval-current-env --nbval-cell-timeout=300 \
         --nbval-sanitize-with tests/nbval-sanitize.cfg

.PHONY: lab lab-teacher reset test test-fast test-oldest test-torch margins notebooks figures bench classroom vendor slides html student slide-metadata clean help

help:
	@echo "make lab        open YOUR workspace in JupyterLab: workspace/, the learner's edition (exercises"
	@echo "                as stubs, help on demand), created on first run, never overwritten; new"
	@echo "                notebooks of the teacher's edition are added to it"
	@echo "make lab-teacher open the teacher's edition (notebooks/, every answer shown) instead"
	@echo "make reset NB=04 [EX=db]  put notebook 04 (or only its exercise db) of your workspace"
	@echo "                back to its start; the old copy is kept in workspace/.backups/"
	@echo "make test       run every test, notebooks included"
	@echo "make test-fast  unit and property tests only"
	@echo "make test-oldest the unit, explorer and hub smoke tests with every dependency at its declared floor"
	@echo "make test-torch the cross-checks against PyTorch (installs the torch extra)"
	@echo "make margins    every numerical check's margin under four OpenBLAS kernels (docs/testing.md)"
	@echo "make notebooks  re-execute every notebook in place, deterministically"
	@echo "make figures    regenerate figures/"
	@echo "make bench      time the layers against a textbook baseline (and PyTorch if installed)"
	@echo "make classroom  load-test a real JupyterHub on 127.0.0.1 with 1 to 30 simulated students (docs/classroom.md)"
	@echo "make slides     reveal.js slideshows of every notebook, offline, in build/slides/"
	@echo "make html       a browsable static site of the notebooks, offline, in build/site/"
	@echo "make student    the student edition (exercises stubbed) in student/; never overwrites edits"
	@echo "make clean      remove .venv and caches"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed; set PYTHON=/path/to/python3.x")'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[lab,teach,test,hub]'
	touch $(STAMP)

# The learner's workspace: the student edition of every notebook, theirs to edit. `make lab`
# creates it on first run and adds notebooks the teacher's edition gained since; it never
# changes a notebook the learner has changed (tools/workspace.py). WORKSPACE=DIR for another one.
WORKSPACE ?= workspace
lab: $(STAMP)
	$(BIN)/python tools/workspace.py --out "$(WORKSPACE)" sync
	$(BIN)/jupyter lab --ip=127.0.0.1 --allow-root \
		--ServerApp.root_dir="$(CURDIR)" "$(WORKSPACE)/00-start-here.ipynb"

# The teacher's edition: the source, every reference answer in view.
lab-teacher: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --allow-root \
		--ServerApp.root_dir="$(CURDIR)" notebooks/00-start-here.ipynb

# One notebook (NB=04) or one exercise of it (NB=04 EX=db) of the workspace back to its start.
reset: $(STAMP)
	$(BIN)/python tools/workspace.py --out "$(WORKSPACE)" reset "$(NB)" $(if $(EX),--exercise "$(EX)")

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks $(NBVAL)

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser and not slow"

# Floors are facts: a second environment with every dependency of pyproject.toml at exactly its
# declared lower bound (tools/floors.py), running the unit, property and explorer tests and the
# classroom smoke test (a JupyterHub 5.3 with two students), not the browser test, not the
# notebooks, not the slow site builds.
OLDEST := .venv-oldest
test-oldest: $(STAMP)
	rm -rf $(OLDEST)
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(BIN)/python tools/floors.py lab teach test hub > $(OLDEST)/floors.txt
	$(OLDEST)/bin/python -m pip install --quiet -e '.[lab,teach,test,hub]' -c $(OLDEST)/floors.txt
	$(OLDEST)/bin/python -m pip list --format=freeze | grep -iE '^(numpy|matplotlib|ipywidgets|scipy|scikit-learn|jupyterhub)=='
	$(OLDEST)/bin/python -m pytest tests -m "not browser and (not slow or hub)" -p no:cacheprovider

# The optional cross-checks against PyTorch (the tests marked `torch`). Without torch they
# are skipped, and every test run says so in its summary; this target installs torch first.
# Choose the build with TORCH=..., e.g. TORCH='torch==2.13.0' where that CPU wheel is on disk,
# or TORCH='torch --index-url <a CPU wheel index>'; plain `torch` from the default index is a
# multi-GB CUDA build.
TORCH ?= torch
test-torch: $(STAMP)
	$(BIN)/python -m pip install --quiet '$(TORCH)'
	$(BIN)/python -m pytest tests -m torch -p no:cacheprovider -rs

margins: $(STAMP)
	$(BIN)/python tools/margins.py

# Re-execute every notebook in place in a fresh kernel, top to bottom, with no timing metadata.
notebooks: $(STAMP)
	PYTHONHASHSEED=0 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False \
		--ExecutePreprocessor.kernel_name=python3 notebooks/*.ipynb

figures: $(STAMP)
	$(BIN)/python -m conv_backprop.figures figures

bench: $(STAMP)
	$(BIN)/python benchmarks/conv_layers.py
	$(BIN)/python benchmarks/transposed.py
	$(BIN)/python benchmarks/grouped.py

# A class on one hub (docs/classroom.md): a real JupyterHub on 127.0.0.1 with 1, 5, 10, 20 and 30
# simulated students; writes benchmarks/classroom-results.json and figures/classroom.png.
# Installs the hub's proxy (configurable-http-proxy) from the npm registry into build/chp/ on
# first use; needs npm. About 10 to 25 minutes on 2 cores.
classroom: $(STAMP)
	$(BIN)/python benchmarks/classroom.py

# Offline assets (reveal.js, MathJax, the widget manager) for slides and site, from the npm
# registry on first use; needs npm.
vendor: $(STAMP)
	$(BIN)/python tools/vendor_assets.py

slides: vendor
	$(BIN)/python tools/site.py slides

html: vendor
	$(BIN)/python tools/site.py html

# Never overwrites a learner's edits: refuses and explains (see docs/teachers-guide.md).
student: $(STAMP)
	$(BIN)/python tools/student_edition.py

# Default slide types for cells that have none (never overrides what a teacher set).
slide-metadata: $(STAMP)
	$(BIN)/python tools/slide_metadata.py notebooks/*.ipynb

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis
