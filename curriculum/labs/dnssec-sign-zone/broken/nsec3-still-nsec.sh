#!/bin/sh
# step: nsec3
# expect: serves no NSEC3PARAM record
