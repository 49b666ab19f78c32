#!/bin/sh
sed -n "s/^The secret word is //p" .secret > answer.txt
