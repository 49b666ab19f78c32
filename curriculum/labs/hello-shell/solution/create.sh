#!/bin/sh
echo "Hello, shell!" > hello.txt
