#!/bin/sh
# step: ds
# expect: The registry holds no DS
# Nothing submitted.
