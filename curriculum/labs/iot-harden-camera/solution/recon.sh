#!/bin/sh
# Recon, as an attacker would do it: the telnet port and password in recon.answer (for the
# default test seed) must really get a root shell on the running camera, and a wrong password
# must not. This proves the simulated device end to end before the answer is submitted.
set -eu
read -r port pass < "$LABHUB_LAB/solution/recon.answer"
ss -ltn | grep -q "127.0.0.1:$port " || { echo "nothing listens on 127.0.0.1:$port" >&2; exit 1; }
exec perl -e '
use strict; use IO::Socket::INET; use IO::Select;
my ($port, $pass) = @ARGV;
sub talk {
	my ($pw) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port, Timeout => 3) or die "connect: $!\n";
	my $sel = IO::Select->new($s);
	my $buf = "";
	my $wait = sub { my ($re, $secs) = @_; my $end = time + $secs;
		while (time < $end) { last if $buf =~ $re; next unless $sel->can_read(0.2);
			my $n = sysread($s, my $c, 4096) or last; $buf .= $c; } return $buf =~ $re; };
	$wait->(qr/login: $/, 5) or die "no login prompt on $port: $buf\n";
	syswrite($s, "root\r\n"); $wait->(qr/Password: $/, 5) or die "no password prompt\n";
	syswrite($s, "$pw\r\n");
	$wait->(qr/# $|Login incorrect/, 5);
	if ($buf =~ /Login incorrect/) { close $s; return 0; }
	syswrite($s, "echo SHELL\$((40+2))\r\n");
	my $ok = $wait->(qr/SHELL42/, 3);
	close $s;
	return $ok;
}
talk($pass) or die "root/$pass does not get a shell on port $port\n";
!talk("not-the-password") or die "a wrong password gets a shell on port $port\n";
print "root/$pass gets a shell on telnet port $port; a wrong password does not\n";
' "$port" "$pass"
