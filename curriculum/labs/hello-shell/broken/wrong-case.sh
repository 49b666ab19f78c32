#!/bin/sh
# step: create
# expect: should contain exactly 'Hello, shell!'
echo "hello shell" > hello.txt
