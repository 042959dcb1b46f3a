# RSS and PSS (MiB) of one process by where the pages come from, from bench/run.sh's smaps-*.txt
# ("RSS_KiB PSS_KiB PATH" per mapped file, [anon] for anonymous memory). Prints markdown rows.
# Copy-on-write pages of a library (its relocated data) count under that library here, but as
# RssAnon in /proc/PID/status.
function group(path) {
  if (path ~ /\/(libc\.so|libm\.so|libstdc\+\+|libgcc_s|ld-linux)/) return "C/C++ runtime: libc, libm, libstdc++, libgcc_s, ld.so"
  if (path ~ /libPoco/) return "Poco: Foundation, Net, NetSSL, Crypto, Util, XML, JSON"
  if (path ~ /\/lib(crypto|ssl)\.so/) return "OpenSSL: libcrypto, libssl"
  if (path ~ /\/lib(curl|nghttp2|idn2|rtmp|ssh2|psl|gssapi_krb5|ldap|lber|brotli(dec|common)|gnutls|hogweed|nettle|gmp|p11-kit|tasn1|unistring|krb5|k5crypto|krb5support|com_err|keyutils|sasl2|ffi|resolv)[.-]/)
    return "libcurl and what it pulls in (GnuTLS via librtmp, Kerberos, LDAP, SSH, ...)"
  if (path ~ /\/lib(pq|mariadb)\.so/) return "libpq, libmariadb"
  if (path ~ /\/lib(systemd|lz4|lzma|zstd|gcrypt|gpg-error|cap)\.so/) return "libsystemd and what it pulls in"
  if (path ~ /\/lib(ldns|sqlite3|yaml-cpp|prometheus-cpp-core|z|crypt|pcre|expat|mnl)[.-]/)
    return "ldns, sqlite3, yaml-cpp, prometheus-cpp, zlib, libcrypt, pcre, expat, libmnl"
  if (path ~ /\/hawatch$/) return "the hawatch binary"
  if (path ~ /\/modules\/[a-z0-9_]+\.so$/) return "hawatch modules (collectors, tls)"
  if (path ~ /prometheus-node-exporter$/) return "the node_exporter binary (Go, static)"
  if (path ~ /^\[/) return "anonymous: heap, stacks, malloc arenas"
  return "other files"
}
{ g = group($3); rss[g] += $1; pss[g] += $2; total_rss += $1; total_pss += $2 }
END {
  for (g in rss) printf "| %s | %.2f | %.2f |\n", g, rss[g] / 1024, pss[g] / 1024 | "sort -t'|' -k3 -rn"
  close("sort -t'|' -k3 -rn")
  printf "| **total** | **%.2f** | **%.2f** |\n", total_rss / 1024, total_pss / 1024
}
