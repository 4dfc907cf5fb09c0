#!/bin/sh
# Runs the project's tests.
exec python3 -m unittest discover -v -s tests -t .
