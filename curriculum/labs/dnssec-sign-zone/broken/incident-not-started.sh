#!/bin/sh
# step: incident
# expect: The incident has not started yet
