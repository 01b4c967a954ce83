#!/usr/bin/env bash
# Build and install the Citus extension (distributed PostgreSQL) for the local PostgreSQL 15 (Debian),
# from the vendored source in ../shared/vendor (see its README.md: no package registry reachable from
# these machines carries Citus). Used by tests/support/citus.ts, which starts private Citus clusters;
# the shared server at 127.0.0.1:5432 is never touched (it does not load citus).
#
# Idempotent: when citus.so is installed and is Citus ${CITUS_VERSION}, the build is skipped.
#
# Citus 13.2 is the last release line that supports PostgreSQL 15. PostgreSQL 15.20 started exporting
# have_createdb_privilege(), which Citus 13.2.2 also defines; the vendored patch drops Citus's copy and is
# applied only when the server headers declare the function.
set -euo pipefail

CITUS_VERSION=13.2.2
CITUS_SHA256=dd2453caec20a830e5e63f1def5c5a98cb6f57ae510407cdcd800916fcdab430
PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
PG_CONFIG="${PG_BIN}/pg_config"
PG_LIB="/usr/lib/postgresql/${PG_MAJOR}/lib"
EXT_DIR="/usr/share/postgresql/${PG_MAJOR}/extension"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# ../shared/vendor beside the checkout; OVERSIGHT_VENDOR_DIR when the checkout lives elsewhere (a CI clone in /tmp)
VENDOR="${OVERSIGHT_VENDOR_DIR:-${ROOT}/../shared/vendor}"
[ -d "$VENDOR" ] || [ ! -d /work/shared/vendor ] || VENDOR=/work/shared/vendor
TARBALL="${VENDOR}/citus-${CITUS_VERSION}.tar.gz"
PATCH="${VENDOR}/citus-${CITUS_VERSION}-pg15.20.patch"

BUILD_DEPS=(postgresql-server-dev-${PG_MAJOR} libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev
  libselinux1-dev libxslt1-dev libpam0g-dev libssl-dev build-essential make gcc patch)

export DEBIAN_FRONTEND=noninteractive

log() { printf '[install-citus] %s\n' "$*"; }
die() { printf '[install-citus] ERROR: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

# The version compiled into the installed citus.so ("13.2.2"), or nothing. citus_version() reports
# CITUS_VERSION, which the library carries as the string "Citus <version> on <platform>, ...".
installed_version() {
  [ -f "${PG_LIB}/citus.so" ] && [ -f "${EXT_DIR}/citus.control" ] || return 0
  grep -aoE 'Citus [0-9]+\.[0-9]+\.[0-9]+(-[A-Za-z0-9.]+)? on ' "${PG_LIB}/citus.so" 2>/dev/null \
    | head -n 1 | awk '{ print $2 }' || true
}

missing_deps() {
  local p
  for p in "${BUILD_DEPS[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || printf '%s\n' "$p"
  done
}

install_deps() {
  local missing
  mapfile -t missing < <(missing_deps)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "build dependencies already installed"
    return 0
  fi
  log "apt-get install ${missing[*]}"
  if ! $SUDO apt-get -y -qq install --no-install-recommends "${missing[@]}" >"$1/apt-install.log" 2>&1; then
    log "apt-get install failed; apt-get update and retry"
    $SUDO apt-get -qq update >"$1/apt-update.log" 2>&1 \
      || { tail -n 30 "$1/apt-update.log" >&2; die "apt-get update failed"; }
    $SUDO apt-get -y -qq install --no-install-recommends "${missing[@]}" >"$1/apt-install.log" 2>&1 \
      || { tail -n 30 "$1/apt-install.log" >&2; die "apt-get install failed"; }
  fi
}

build_and_install() {
  [ -f "$TARBALL" ] || die "vendored source not found: ${TARBALL}"
  [ -f "$PATCH" ] || die "vendored patch not found: ${PATCH}"
  local sum
  sum="$(sha256sum "$TARBALL" | awk '{ print $1 }')"
  [ "$sum" = "$CITUS_SHA256" ] || die "sha256 of ${TARBALL} is ${sum}, expected ${CITUS_SHA256}"

  local tmp
  tmp="$(mktemp -d /tmp/citus-build.XXXXXX)"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT

  install_deps "$tmp"

  log "unpacking $(basename "$TARBALL")"
  tar xzf "$TARBALL" -C "$tmp"
  local srcdir="${tmp}/citus-${CITUS_VERSION}"
  [ -d "$srcdir" ] || die "unpacked source not found at ${srcdir}"

  if grep -qs 'have_createdb_privilege' "$("$PG_CONFIG" --includedir-server)/commands/dbcommands.h"; then
    log "PostgreSQL exports have_createdb_privilege(): applying $(basename "$PATCH")"
    patch -d "$srcdir" -p1 --forward --quiet <"$PATCH" || die "patch $(basename "$PATCH") failed"
  fi

  log "configure (against $("$PG_CONFIG" --version))"
  (cd "$srcdir" && ./configure PG_CONFIG="$PG_CONFIG" >"$tmp/configure.log" 2>&1) \
    || { tail -n 40 "$tmp/configure.log" >&2; die "configure failed"; }

  log "make -j$(nproc) (about 2 minutes on 2 cores)"
  make -C "$srcdir" -j"$(nproc)" with_llvm=no >"$tmp/make.log" 2>&1 \
    || { grep -E 'error' "$tmp/make.log" | head -n 20 >&2; tail -n 40 "$tmp/make.log" >&2; die "make failed"; }
  $SUDO make -C "$srcdir" with_llvm=no install >"$tmp/make-install.log" 2>&1 \
    || { tail -n 30 "$tmp/make-install.log" >&2; die "make install failed"; }

  [ "$(installed_version)" = "$CITUS_VERSION" ] \
    || die "make install finished but ${PG_LIB}/citus.so is not Citus ${CITUS_VERSION} (found '$(installed_version)')"
  log "installed Citus ${CITUS_VERSION} into ${PG_LIB}"
}

current="$(installed_version)"
if [ "$current" = "$CITUS_VERSION" ]; then
  echo "[install-citus] Citus ${CITUS_VERSION} already installed (${PG_LIB}/citus.so, $(grep -E '^default_version' "${EXT_DIR}/citus.control")): skipping the build"
  exit 0
fi
if [ -n "$current" ]; then
  log "found Citus ${current} in ${PG_LIB}; building ${CITUS_VERSION}"
else
  log "Citus is not installed for PostgreSQL ${PG_MAJOR}; building ${CITUS_VERSION}"
fi
build_and_install
