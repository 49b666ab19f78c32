#!/bin/sh
echo wrong > made.txt
