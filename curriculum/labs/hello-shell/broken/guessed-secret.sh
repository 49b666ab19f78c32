#!/bin/sh
# step: secret
# expect: which is not the secret word
echo password > answer.txt
