# Sourced by scripts/test, .ci/run and ./apprentice: selects a JDK >= 21 in JAVA_HOME.
# Order: JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm, then `java` on PATH.
_apprentice_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1; }
_apprentice_pick_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV) \
                   "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    candidate=${candidate%/}
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(_apprentice_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(_apprentice_pick_jdk); then
  echo "apprentice needs a JDK 21 or newer (javac included). Install one (e.g. apt-get install openjdk-21-jdk-headless) or set JAVA_HOME." >&2
  return 2 2>/dev/null || exit 2
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
APPRENTICE_JAVA_MAJOR=$(_apprentice_java_major "$JAVA_HOME")
export APPRENTICE_JAVA_MAJOR
# UTF-8 always: with LANG unset the JVM would encode file names and shell text as ASCII ("Gr??e").
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
  *UTF-8*|*utf8*|*UTF8*|*utf-8*) ;;
  *) export LC_ALL=C.UTF-8 LANG=C.UTF-8 ;;
esac
