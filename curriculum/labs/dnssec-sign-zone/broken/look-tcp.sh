#!/bin/sh
# step: look
# expect: what it cannot do is prove the data is authentic
# answer: Nothing: the answer is already protected because it came over TCP
