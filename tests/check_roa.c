/*
 * check_roa: the ROA and manifest eContent of labhub-roa (labs/tools/roa/
 * roa_asn1.c).  Tricky prefixes are encoded and then checked twice: decoded
 * again by our templates, and their IPAddress BIT STRING read byte by byte
 * (RFC 3779 section 2.1.2: exactly LEN bits, unused-bits octet
 * 8 * octets - LEN), so an encoder that drops trailing zero bits (what
 * `openssl asn1parse -genconf` does) fails here.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "labs/tools/roa/roa_asn1.h"

/* The IPAddress BIT STRING of a one-prefix ROA, found by walking the DER
 * (every length here is short form): RouteOriginAttestation > skip asID >
 * ipAddrBlocks > ROAIPAddressFamily > skip addressFamily > addresses >
 * ROAIPAddress > address.  Returns its content, *blen its length. */
static const unsigned char *
ipaddress_bits(const unsigned char *der, int len, int *blen)
{
	const unsigned char *p = der;

	ck_assert_int_eq(p[0], 0x30);
	p += 2;					/* into the SEQUENCE */
	ck_assert_int_eq(p[0], 0x02);
	p += 2 + p[1];				/* skip asID */
	ck_assert_int_eq(p[0], 0x30);
	p += 2;					/* ipAddrBlocks */
	ck_assert_int_eq(p[0], 0x30);
	p += 2;					/* ROAIPAddressFamily */
	ck_assert_int_eq(p[0], 0x04);
	p += 2 + p[1];				/* skip addressFamily */
	ck_assert_int_eq(p[0], 0x30);
	p += 2;					/* addresses */
	ck_assert_int_eq(p[0], 0x30);
	p += 2;					/* ROAIPAddress */
	ck_assert_int_eq(p[0], 0x03);
	ck_assert(p + 2 + p[1] <= der + len);
	*blen = p[1];
	return p + 2;
}

static const struct {
	const char *text;	/* as a user types it */
	const char *canon;	/* roa_prefix_format() */
	int afi, len, maxlen;
	int octets, unused;	/* the BIT STRING */
} tricky[] = {
	{ "0.0.0.0/0", "0.0.0.0/0", ROA_AFI_IPV4, 0, 0, 0, 0 },
	{ "10.0.0.0/7", "10.0.0.0/7", ROA_AFI_IPV4, 7, 7, 1, 1 },
	{ "10.1.4.0/23-24", "10.1.4.0/23-24", ROA_AFI_IPV4, 23, 24, 3, 1 },
	{ "10.1.4.0/22", "10.1.4.0/22", ROA_AFI_IPV4, 22, 22, 3, 2 },
	{ "10.1.4.128/25", "10.1.4.128/25", ROA_AFI_IPV4, 25, 25, 4, 7 },
	{ "10.1.4.0/25", "10.1.4.0/25", ROA_AFI_IPV4, 25, 25, 4, 7 },
	{ "192.0.2.2/31", "192.0.2.2/31", ROA_AFI_IPV4, 31, 31, 4, 1 },
	{ "192.0.2.0/32", "192.0.2.0/32", ROA_AFI_IPV4, 32, 32, 4, 0 },
	{ "192.0.2.0/24-32", "192.0.2.0/24-32", ROA_AFI_IPV4, 24, 32, 3, 0 },
	{ "2001:db8:1::/48", "2001:db8:1::/48", ROA_AFI_IPV6, 48, 48, 6, 0 },
	{ "2001:db8::/33-48", "2001:db8::/33-48", ROA_AFI_IPV6, 33, 48, 5, 7 },
	{ "2001:db8::/127", "2001:db8::/127", ROA_AFI_IPV6, 127, 127, 16, 1 },
	{ "::/0-128", "::/0-128", ROA_AFI_IPV6, 0, 128, 0, 0 },
};

START_TEST(test_tricky_roundtrip)
{
	struct roa_prefix p, *v;
	char err[256], s[ROA_PREFIX_STRLEN];
	unsigned char *der;
	const unsigned char *bs;
	int derlen, blen;
	uint32_t as;
	size_t n;

	ck_assert_msg(roa_prefix_parse(tricky[_i].text, &p, err, sizeof(err)) == 0, "%s: %s",
		      tricky[_i].text, err);
	ck_assert_int_eq(p.afi, tricky[_i].afi);
	ck_assert_int_eq(p.len, tricky[_i].len);
	ck_assert_int_eq(p.maxlen, tricky[_i].maxlen);
	roa_prefix_format(&p, s, sizeof(s));
	ck_assert_str_eq(s, tricky[_i].canon);

	der = roa_econtent_encode(64512, &p, 1, &derlen);
	ck_assert_ptr_nonnull(der);
	bs = ipaddress_bits(der, derlen, &blen);
	ck_assert_ptr_nonnull(bs);
	ck_assert_int_eq(blen, 1 + tricky[_i].octets);
	ck_assert_int_eq(bs[0], tricky[_i].unused);
	ck_assert_mem_eq(bs + 1, p.addr, (size_t)tricky[_i].octets);

	ck_assert_int_eq(roa_econtent_decode(der, derlen, &as, &v, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(as, 64512);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(roa_prefix_cmp(&v[0], &p), 0);
	roa_prefix_format(&v[0], s, sizeof(s));
	ck_assert_str_eq(s, tricky[_i].canon);
	free(v);
	OPENSSL_free(der);
}
END_TEST

/* RFC 9582: version DEFAULT 0 is absent, maxLength only when it differs;
 * the whole DER of 10.1.4.0/22 => AS64512, byte for byte. */
START_TEST(test_exact_der)
{
	static const unsigned char want[] = {
		0x30, 0x17,				/* RouteOriginAttestation */
		0x02, 0x03, 0x00, 0xfc, 0x00,		/* asID 64512 */
		0x30, 0x10,				/* ipAddrBlocks */
		0x30, 0x0e,				/* ROAIPAddressFamily */
		0x04, 0x02, 0x00, 0x01,			/* IPv4 */
		0x30, 0x08,				/* addresses */
		0x30, 0x06,				/* ROAIPAddress, no maxLength */
		0x03, 0x04, 0x02, 0x0a, 0x01, 0x04,	/* 22 bits: 2 unused */
	};
	static const unsigned char want_max[] = {
		0x30, 0x1a, 0x02, 0x03, 0x00, 0xfc, 0x00,
		0x30, 0x13, 0x30, 0x11, 0x04, 0x02, 0x00, 0x01, 0x30, 0x0b,
		0x30, 0x09, 0x03, 0x04, 0x02, 0x0a, 0x01, 0x04,
		0x02, 0x01, 0x18,			/* maxLength 24 */
	};
	struct roa_prefix p;
	unsigned char *der;
	int derlen;
	char err[128];

	ck_assert_int_eq(roa_prefix_parse("10.1.4.0/22", &p, err, sizeof(err)), 0);
	der = roa_econtent_encode(64512, &p, 1, &derlen);
	ck_assert_ptr_nonnull(der);
	ck_assert_int_eq(derlen, (int)sizeof(want));
	ck_assert_mem_eq(der, want, sizeof(want));
	OPENSSL_free(der);

	ck_assert_int_eq(roa_prefix_parse("10.1.4.0/22-24", &p, err, sizeof(err)), 0);
	der = roa_econtent_encode(64512, &p, 1, &derlen);
	ck_assert_ptr_nonnull(der);
	ck_assert_int_eq(derlen, (int)sizeof(want_max));
	ck_assert_mem_eq(der, want_max, sizeof(want_max));
	OPENSSL_free(der);
}
END_TEST

START_TEST(test_sorted_families)
{
	struct roa_prefix in[4], *v;
	const char *txt[] = { "2001:db8:1::/48", "10.1.6.0/23", "10.1.4.0/22-24", "10.1.6.0/23" };
	char err[128], s[ROA_PREFIX_STRLEN];
	unsigned char *der;
	int derlen;
	uint32_t as;
	size_t n;

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(roa_prefix_parse(txt[i], &in[i], err, sizeof(err)), 0);
	der = roa_econtent_encode(4200000000u, in, 4, &derlen);
	ck_assert_ptr_nonnull(der);
	ck_assert_int_eq(roa_econtent_decode(der, derlen, &as, &v, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(as, 4200000000u);
	ck_assert_uint_eq(n, 3);	/* the duplicate is gone */
	roa_prefix_format(&v[0], s, sizeof(s));
	ck_assert_str_eq(s, "10.1.4.0/22-24");
	roa_prefix_format(&v[1], s, sizeof(s));
	ck_assert_str_eq(s, "10.1.6.0/23");
	roa_prefix_format(&v[2], s, sizeof(s));
	ck_assert_str_eq(s, "2001:db8:1::/48");
	free(v);
	OPENSSL_free(der);
}
END_TEST

static const struct {
	const char *text;
	const char *why;	/* substring of the error */
} bad[] = {
	{ "10.1.4.1/22", "host bits" },
	{ "10.1.4.0/33", "0 to 32" },
	{ "2001:db8::/129", "0 to 128" },
	{ "10.1.4.0/24-23", "cannot be shorter" },
	{ "10.1.4.0/24-33", "maxLength" },
	{ "10.1.4.0", "ADDRESS/LENGTH" },
	{ "10.1.4/24", "not an IPv4 or IPv6" },
	{ "10.1.4.0/x", "0 to 32" },
	{ "10.1.4.0/-1", "0 to 32" },
	{ "2001:db8::1/64", "host bits" },
};

START_TEST(test_bad_prefixes)
{
	struct roa_prefix p;
	char err[256] = "";

	ck_assert_int_eq(roa_prefix_parse(bad[_i].text, &p, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad[_i].why) != NULL, "%s: '%s' lacks '%s'", bad[_i].text, err,
		      bad[_i].why);
}
END_TEST

START_TEST(test_within)
{
	struct roa_prefix a, b;
	char err[128];

	roa_prefix_parse("10.1.4.0/22", &b, err, sizeof(err));
	roa_prefix_parse("10.1.7.128/25", &a, err, sizeof(err));
	ck_assert(roa_prefix_within(&a, &b));
	roa_prefix_parse("10.1.8.0/24", &a, err, sizeof(err));
	ck_assert(!roa_prefix_within(&a, &b));
	roa_prefix_parse("10.1.0.0/16", &a, err, sizeof(err));
	ck_assert(!roa_prefix_within(&a, &b));
	roa_prefix_parse("2001:db8::/32", &a, err, sizeof(err));
	ck_assert(!roa_prefix_within(&a, &b));
}
END_TEST

/* Malformed eContent is refused, not misread. */
START_TEST(test_decode_rejects)
{
	/* family 3 */
	static const unsigned char fam3[] = {
		0x30, 0x14, 0x02, 0x03, 0x00, 0xfc, 0x00,
		0x30, 0x0d, 0x30, 0x0b, 0x04, 0x02, 0x00, 0x03,
		0x30, 0x05, 0x30, 0x03, 0x03, 0x01, 0x00,
	};
	/* IPv4 BIT STRING of 5 octets */
	static const unsigned char longv4[] = {
		0x30, 0x19, 0x02, 0x03, 0x00, 0xfc, 0x00,
		0x30, 0x12, 0x30, 0x10, 0x04, 0x02, 0x00, 0x01,
		0x30, 0x0a, 0x30, 0x08, 0x03, 0x06, 0x00, 0x0a, 0x01, 0x04, 0x00, 0x00,
	};
	/* maxLength 16 below /22 */
	static const unsigned char lowmax[] = {
		0x30, 0x1a, 0x02, 0x03, 0x00, 0xfc, 0x00,
		0x30, 0x13, 0x30, 0x11, 0x04, 0x02, 0x00, 0x01,
		0x30, 0x0b, 0x30, 0x09, 0x03, 0x04, 0x02, 0x0a, 0x01, 0x04, 0x02, 0x01, 0x10,
	};
	struct roa_prefix *v;
	size_t n;
	uint32_t as;
	char err[128];

	ck_assert_int_eq(roa_econtent_decode(fam3, sizeof(fam3), &as, &v, &n, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "neither IPv4") != NULL, "%s", err);
	ck_assert_int_eq(roa_econtent_decode(longv4, sizeof(longv4), &as, &v, &n, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "longer than its family") != NULL, "%s", err);
	ck_assert_int_eq(roa_econtent_decode(lowmax, sizeof(lowmax), &as, &v, &n, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "maxLength") != NULL, "%s", err);
	ck_assert_int_eq(roa_econtent_decode(fam3, 5, &as, &v, &n, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_manifest_roundtrip)
{
	struct roa_mft_file f[2], *out;
	unsigned char *der;
	int derlen;
	uint64_t num;
	time_t t1, t2;
	size_t n;
	char err[128];

	memset(f, 0, sizeof(f));
	strcpy(f[0].name, "AS64512-10_1_4_0-22.roa");
	memset(f[0].sha256, 0xab, 32);
	strcpy(f[1].name, "ca.crl");
	memset(f[1].sha256, 0x00, 32);	/* all-zero hash keeps its 256 bits */
	der = roa_mft_encode(42, 1790000000, 1790604800, f, 2, &derlen);
	ck_assert_ptr_nonnull(der);
	ck_assert_int_eq(der[0], 0x30);
	ck_assert_int_eq(roa_mft_decode(der, derlen, &num, &t1, &t2, &out, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(num, 42);
	ck_assert_int_eq((long)t1, 1790000000L);
	ck_assert_int_eq((long)t2, 1790604800L);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(out[1].name, "ca.crl");
	ck_assert_mem_eq(out[0].sha256, f[0].sha256, 32);
	ck_assert_mem_eq(out[1].sha256, f[1].sha256, 32);
	free(out);
	OPENSSL_free(der);
}
END_TEST

static Suite *
roa_suite(void)
{
	Suite *s = suite_create("roa");
	TCase *tc;

	tc = tcase_create("prefix");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_tricky_roundtrip, 0, (int)(sizeof(tricky) / sizeof(tricky[0])));
	tcase_add_loop_test(tc, test_bad_prefixes, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_within);
	suite_add_tcase(s, tc);

	tc = tcase_create("econtent");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_exact_der);
	tcase_add_test(tc, test_sorted_families);
	tcase_add_test(tc, test_decode_rejects);
	tcase_add_test(tc, test_manifest_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(roa_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
