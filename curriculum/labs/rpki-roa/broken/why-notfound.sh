#!/bin/sh
# step: why-invalid
# expect: Not quite
# answer: No VRP covers it, so routers drop it
