# Debian packages the tests need (sourced by scripts/test). Installs what is missing; fails
# when it cannot.
need_pkgs=()
need() { dpkg -s "$1" >/dev/null 2>&1 || need_pkgs+=("$1"); }
need slapd
need ldap-utils
need postgresql-client
need chromium
need chromium-driver
need openssl
if [ ${#need_pkgs[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages (${need_pkgs[*]}) and not root to install them"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null \
    || die "apt-get install ${need_pkgs[*]} failed"
fi
for bin in slapd ldapadd psql chromium chromedriver openssl; do
  command -v "$bin" >/dev/null || [ -x "/usr/sbin/$bin" ] || die "$bin is missing after install"
done
echo "packages ok"

# The SMTP receiver of the server's black-box tests (a real SMTP server on loopback).
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  python3 -m pip install --quiet aiosmtpd || die "pip install aiosmtpd failed"
fi
python3 -c 'import aiosmtpd' || die "aiosmtpd is missing after install"
