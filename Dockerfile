FROM python:3.11-slim

# llama-cpp-python compiles from source.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# pyproject.toml alone first: pip installs the dependencies (an empty package, no code yet), so a code change
# reuses this layer instead of compiling llama.cpp again.
COPY pyproject.toml .
# The CPU build of torch: PyPI's default torch wheel brings several GB of CUDA libraries.
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu .

COPY . .
# The same version again, now with its packages, hence --force-reinstall.
RUN pip install --no-cache-dir --no-deps --force-reinstall .
ENV STORAGE_DIR=/data HF_HUB_OFFLINE=1
VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8501/_stcore/health')"
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
