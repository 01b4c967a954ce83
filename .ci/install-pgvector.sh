#!/usr/bin/env bash
# Install the pgvector extension for the local PostgreSQL 15 server (Debian),
# make sure the 15/main cluster is running, and verify the extension works.
#
# Idempotent: if vector.control and vector.so are already in place, the build
# is skipped (only the cluster start + verification run).
#
# Debian bookworm ships no pgvector for PG15, so we build it from Debian's
# trixie *source* package. Only a `deb-src` line is added for trixie (never a
# `deb` line), so apt can never pull binaries from trixie.
set -euo pipefail

PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
PG_CONFIG="${PG_BIN}/pg_config"
EXT_DIR="/usr/share/postgresql/${PG_MAJOR}/extension"
SRC_SUITE=trixie
SRC_LIST=/etc/apt/sources.list.d/oversight-trixie-src.list
PGHOST_CHECK=127.0.0.1
PGPORT_CHECK=5432

export DEBIAN_FRONTEND=noninteractive

log() { printf '[install-pgvector] %s\n' "$*"; }
die() { printf '[install-pgvector] ERROR: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

pkglibdir() {
  if [ -x "$PG_CONFIG" ]; then
    "$PG_CONFIG" --pkglibdir
  else
    echo "/usr/lib/postgresql/${PG_MAJOR}/lib"
  fi
}

pgvector_installed() {
  [ -f "${EXT_DIR}/vector.control" ] && [ -f "$(pkglibdir)/vector.so" ]
}

# Print the URI of the machine's main Debian archive (e.g.
# http://deb.debian.org/debian), read from the existing apt sources (one-line
# .list format and deb822 .sources format). Prefers an entry whose suite is the
# current release codename (not -security/-updates/-backports).
debian_archive_uri() {
  local codename
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  local files=()
  [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
  local f
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && [ "$f" != "$SRC_LIST" ] && files+=("$f")
  done
  [ "${#files[@]}" -gt 0 ] || return 1

  # Emit "URI<TAB>SUITE" pairs for every enabled `deb`/`deb-src` entry.
  awk -v OFS='\t' '
    function flush(   n, i, j, nu, ns, u, s) {
      if (is822 && enabled && types ~ /(^|[ \t])deb(-src)?([ \t]|$)/) {
        nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
        for (i = 1; i <= nu; i++) if (u[i] != "")
          for (j = 1; j <= ns; j++) if (s[j] != "") print u[i], s[j]
      }
      types = ""; uris = ""; suites = ""; enabled = 1; is822 = 0
    }
    FNR == 1 { flush() }
    /^[ \t]*#/ { next }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[ \t]*$/) { flush(); next }
      line = $0
      if (match(line, /^[A-Za-z-]+:/)) {
        key = tolower(substr(line, 1, RLENGTH - 1))
        val = substr(line, RLENGTH + 1); gsub(/^[ \t]+|[ \t]+$/, "", val)
        is822 = 1
        if (key == "types") types = val
        else if (key == "uris") uris = val
        else if (key == "suites") suites = val
        else if (key == "enabled" && tolower(val) == "no") enabled = 0
      }
      next
    }
    {
      # one-line style: deb [opts] uri suite comps...
      if ($1 != "deb" && $1 != "deb-src") next
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if (i + 1 <= NF) print $i, $(i + 1)
    }
    END { flush() }
  ' "${files[@]}" > "$1"

  local uri
  # 1) the entry for the current release codename (plain suite)
  if [ -n "$codename" ]; then
    uri="$(awk -F'\t' -v c="$codename" '$2 == c { print $1; exit }' "$1")"
    [ -n "$uri" ] && { echo "${uri%/}"; return 0; }
  fi
  # 2) any plain suite name (no -security/-updates/-backports) on a .../debian URI
  uri="$(awk -F'\t' '$2 !~ /-/ && $1 ~ /\/debian\/?$/ { print $1; exit }' "$1")"
  [ -n "$uri" ] && { echo "${uri%/}"; return 0; }
  # 3) any .../debian URI that is not the security archive
  uri="$(awk -F'\t' '$1 ~ /\/debian\/?$/ { print $1; exit }' "$1")"
  [ -n "$uri" ] && { echo "${uri%/}"; return 0; }
  return 1
}

have_trixie_src() {
  # Any existing deb-src entry for trixie (one-line or deb822)?
  grep -qsE "^[[:space:]]*deb-src([[:space:]]+\[[^]]*\])?[[:space:]]+[^[:space:]]+[[:space:]]+${SRC_SUITE}[[:space:]]" \
      /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null && return 0
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$SRC_SUITE" '
      BEGIN { RS = ""; found = 0 }
      {
        t = 0; su = 0; off = 0
        n = split($0, L, "\n")
        for (i = 1; i <= n; i++) {
          if (L[i] ~ /^[ \t]*#/) continue
          if (tolower(L[i]) ~ /^types:/ && L[i] ~ /deb-src/) t = 1
          if (tolower(L[i]) ~ /^suites:/ && L[i] ~ ("[ \t:]" s "([ \t]|$)")) su = 1
          if (tolower(L[i]) ~ /^enabled:[ \t]*no/) off = 1
        }
        if (t && su && !off) found = 1
      }
      END { exit(found ? 0 : 1) }
    ' "$f" && return 0
  done
  return 1
}

ensure_cluster_running() {
  if pg_isready -q -h "$PGHOST_CHECK" -p "$PGPORT_CHECK"; then
    return 0
  fi
  log "PostgreSQL ${PG_MAJOR}/main not ready; starting it"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" main start 2>/dev/null \
    || $SUDO pg_ctlcluster "$PG_MAJOR" main start \
    || true
  local i
  for i in $(seq 1 60); do
    if pg_isready -q -h "$PGHOST_CHECK" -p "$PGPORT_CHECK"; then
      log "PostgreSQL is ready"
      return 0
    fi
    sleep 0.5
  done
  die "PostgreSQL ${PG_MAJOR}/main did not become ready on ${PGHOST_CHECK}:${PGPORT_CHECK}"
}

build_and_install() {
  local tmp
  tmp="$(mktemp -d /tmp/pgvector-build.XXXXXX)"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT

  if ! have_trixie_src; then
    local uri
    uri="$(debian_archive_uri "$tmp/uris.tsv")" \
      || die "could not find the Debian archive URI in /etc/apt/sources.list{,.d/*}"
    local signed=""
    [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] \
      && signed="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
    log "adding ${SRC_LIST}: deb-src ${signed}${uri} ${SRC_SUITE} main"
    printf '# Added by .ci/install-pgvector.sh: source packages only (no binaries from %s)\ndeb-src %s%s %s main\n' \
      "$SRC_SUITE" "$signed" "$uri" "$SRC_SUITE" | $SUDO tee "$SRC_LIST" >/dev/null
  else
    log "a deb-src entry for ${SRC_SUITE} already exists"
  fi

  log "apt-get update"
  $SUDO apt-get -qq update >"$tmp/apt-update.log" 2>&1 \
    || { tail -n 30 "$tmp/apt-update.log" >&2; die "apt-get update failed"; }

  local pkgs=(postgresql-server-dev-${PG_MAJOR})
  local p
  for p in build-essential make gcc dpkg-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || pkgs+=("$p")
  done
  log "apt-get install ${pkgs[*]}"
  $SUDO apt-get -y -qq install --no-install-recommends "${pkgs[@]}" >"$tmp/apt-install.log" 2>&1 \
    || { tail -n 30 "$tmp/apt-install.log" >&2; die "apt-get install failed"; }

  log "apt-get source pgvector/${SRC_SUITE}"
  (
    cd "$tmp"
    $SUDO apt-get -o APT::Sandbox::User=root -qq source "pgvector/${SRC_SUITE}" >"$tmp/apt-source.log" 2>&1
  ) || { tail -n 30 "$tmp/apt-source.log" >&2; die "apt-get source pgvector failed"; }

  local srcdir
  srcdir="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)"
  [ -n "$srcdir" ] || die "unpacked pgvector source not found in $tmp"
  log "building $(basename "$srcdir") against $("$PG_CONFIG" --version)"

  # OPTFLAGS="" overrides upstream's default -march=native so the installed
  # .so does not depend on this particular CPU.
  if ! make -C "$srcdir" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >"$tmp/make.log" 2>&1; then
    tail -n 40 "$tmp/make.log" >&2
    die "pgvector ($(basename "$srcdir")) failed to build against PostgreSQL ${PG_MAJOR}"
  fi
  $SUDO make -C "$srcdir" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" install >"$tmp/make-install.log" 2>&1 \
    || { tail -n 30 "$tmp/make-install.log" >&2; die "make install failed"; }

  pgvector_installed || die "make install finished but vector.control/vector.so are missing"
  log "installed $(basename "$srcdir")"
}

verify() {
  local psql=(env PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST_CHECK" -p "$PGPORT_CHECK" -U postgres)
  local row
  row="$("${psql[@]}" -d postgres -Atc \
    "select name, default_version from pg_available_extensions where name='vector'")"
  [ -n "$row" ] || die "vector is not listed in pg_available_extensions"
  log "available: ${row}"

  local db="pgvector_check_$$"
  "${psql[@]}" -d postgres -c "drop database if exists ${db}" >/dev/null
  "${psql[@]}" -d postgres -c "create database ${db}" >/dev/null
  local dist rc=0
  dist="$("${psql[@]}" -d "$db" -Atc \
    "create extension vector; select '[1,2,3]'::vector <=> '[1,2,4]'::vector")" || rc=$?
  "${psql[@]}" -d postgres -c "drop database if exists ${db}" >/dev/null || true
  [ "$rc" -eq 0 ] && [ -n "$dist" ] || die "create extension vector / distance query failed"
  log "verified: cosine distance [1,2,3] <=> [1,2,4] = ${dist}"
}

if pgvector_installed; then
  echo "pgvector already installed"
else
  build_and_install
fi
ensure_cluster_running
verify
