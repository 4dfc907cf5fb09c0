#!/bin/sh
# Compiles the sources and the tests, then runs the tests.
set -e
rm -rf build && mkdir -p build
javac -d build src/*.java test/*.java
exec java -cp build TestRunner MathKitTest
