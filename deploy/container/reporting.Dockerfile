# leadline-reporting image. Build from the repository root:
#   docker build -f deploy/container/reporting.Dockerfile -t leadline-reporting .
# Run: `leadline-reporting run` (default), `migrate` as a one-off job, `check`.

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libzmq3-dev libczmq-dev libprotobuf-c-dev protobuf-c-compiler \
      libpq-dev libmicrohttpd-dev libcmocka-dev uuid-dev \
      libcurl4-openssl-dev libssl-dev libsystemd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the build reads; build trees of the checkout stay out.
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY proto/ proto/
COPY common/ common/
COPY services/ services/
COPY cli/ cli/
COPY bench/ bench/
COPY tests/ tests/
COPY deploy/migrations/ deploy/migrations/
# The flags the tested build uses (-O2 -g, warnings as errors), then strip.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build /build --target leadline-reporting -j"$(nproc)" \
 && strip /build/bin/leadline-reporting

FROM debian:12-slim AS runtime
# Runtime libraries of the one binary (its NEEDED entries), and curl for
# the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libczmq4 libzmq5 libprotobuf-c1 libpq5 libmicrohttpd12 libuuid1 libsystemd0 \
      curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 leadline \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent \
      --no-create-home --shell /usr/sbin/nologin leadline
COPY --from=build /build/bin/leadline-reporting /usr/local/bin/leadline-reporting
# The ops endpoint must listen beyond loopback inside a container.
ENV LEADLINE_REPORTING_HTTP=0.0.0.0:9103
EXPOSE 7131 7132 7133 9103
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:9103/healthz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/leadline-reporting"]
CMD ["run"]
