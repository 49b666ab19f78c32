# common.pl: helpers shared by the simulated camera (supervisor, login). Lab code, never image code.
use strict;
use warnings;

# Resolves PATH (absolute inside the image) against the image root ROOT the way the device's
# kernel would, following symbolic links with absolute targets relative to ROOT. Returns the
# host path, or undef and a reason when a link leaves the image or loops.
sub img_resolve {
	my ($root, $path) = @_;
	my @todo = grep { length && $_ ne '.' } split m{/}, $path;
	my @done;
	my $links = 0;
	while (@todo) {
		my $c = shift @todo;
		if ($c eq '..') {
			return (undef, "a link leaves the image at /" . join('/', @done)) unless @done;
			pop @done;
			next;
		}
		my $host = join('/', $root, @done, $c);
		if (-l $host) {
			return (undef, "too many symbolic links at /" . join('/', @done, $c)) if ++$links > 40;
			my $t = readlink $host;
			return (undef, "unreadable link /" . join('/', @done, $c)) unless defined $t;
			@done = () if $t =~ m{^/};
			unshift @todo, grep { length && $_ ne '.' } split m{/}, $t;
			next;
		}
		push @done, $c;
	}
	return (join('/', $root, @done), undef);
}

sub img_read {
	my ($root, $path) = @_;
	my ($host, $why) = img_resolve($root, $path);
	return undef unless defined $host && -f $host;
	open(my $fh, '<', $host) or return undef;
	local $/;
	my $s = <$fh>;
	close $fh;
	return $s;
}

# The lines the device's boot would act on: inittab entries (the process field) and the
# non-comment lines of executable /etc/init.d/S* scripts and /etc/rc.local, up to a top-level
# 'exit'. Returns a list of [file, line number, command].
sub boot_lines {
	my ($root) = @_;
	my @out;
	my $inittab = img_read($root, '/etc/inittab');
	if (defined $inittab) {
		my $n = 0;
		for my $l (split /\n/, $inittab) {
			$n++;
			next if $l =~ /^\s*(#|$)/;
			my @f = split /:/, $l, 4;
			next unless @f == 4;
			push @out, ['/etc/inittab', $n, $f[3], $f[0], $f[2]];
		}
	}
	my ($dir) = img_resolve($root, '/etc/init.d');
	my @scripts;
	if (defined $dir && opendir(my $dh, $dir)) {
		push @scripts, map { "/etc/init.d/$_" } sort grep { /^S/ } readdir $dh;
		closedir $dh;
	}
	push @scripts, '/etc/rc.local';
	for my $s (@scripts) {
		my ($host) = img_resolve($root, $s);
		next unless defined $host && -f $host && -x _;
		my $text = img_read($root, $s);
		next unless defined $text;
		my $n = 0;
		for my $l (split /\n/, $text) {
			$n++;
			last if $l =~ /^exit(\s|;|$)/;
			(my $cmd = $l) =~ s/(^|\s)#.*//;
			next if $cmd =~ /^\s*$/;
			push @out, [$s, $n, $cmd];
		}
	}
	return @out;
}

1;
