#!/bin/sh
# step: anything
# expect: never shown
:
