/*
 * roa_asn1: the eContent of RPKI signed objects that labhub-roa writes and
 * reads, as OpenSSL ASN.1 templates: the Route Origin Authorization
 * (RFC 9582, which obsoletes RFC 6482) and the Manifest (RFC 9286).  Also the
 * text form of a ROA prefix ("10.1.4.0/22-24") and its parser.
 *
 * Pure functions: no files, no keys, no clock.  Every returned buffer belongs
 * to the caller and is released with OPENSSL_free() (DER) or free() (arrays).
 */
#ifndef LABHUB_ROA_ASN1_H
#define LABHUB_ROA_ASN1_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ROA_AFI_IPV4 1		/* RFC 9582 addressFamily: IANA AFI, 2 octets */
#define ROA_AFI_IPV6 2
#define ROA_MAX_PREFIXES 1024	/* per ROA, a cap on what we decode */
#define ROA_PREFIX_STRLEN 64	/* "ffff:...:ffff/128-128" fits */

/* One ROAIPAddress (RFC 9582 section 4.3.3).  addr holds the prefix bits,
 * host bits zero; maxlen equals len when the ROA carries no maxLength. */
struct roa_prefix {
	int afi;			/* ROA_AFI_IPV4 or ROA_AFI_IPV6 */
	unsigned char addr[16];		/* network byte order */
	int len;			/* 0..32 or 0..128 */
	int maxlen;			/* len..32 or len..128 */
};

/* Parse "ADDR/LEN" or "ADDR/LEN-MAX" (Krill's notation).  Refuses host bits
 * set, lengths out of range and maxLength below the length.  On failure
 * returns -1 and writes a learner-readable reason to err. */
int roa_prefix_parse(const char *s, struct roa_prefix *p, char *err, size_t errlen);

/* "ADDR/LEN" and, when maxlen != len, "-MAX".  buf of ROA_PREFIX_STRLEN. */
void roa_prefix_format(const struct roa_prefix *p, char *buf, size_t buflen);

/* Address length in bits of the prefix's family (32 or 128). */
int roa_afi_bits(int afi);

/* Ordering of RFC 9582 section 4.3.3 (IPv4 first, then by address, length,
 * maxLength); returns <0, 0, >0. */
int roa_prefix_cmp(const struct roa_prefix *a, const struct roa_prefix *b);

/* Does prefix a lie inside prefix b (same family, a.len >= b.len)? */
int roa_prefix_within(const struct roa_prefix *a, const struct roa_prefix *b);

/* DER of a RouteOriginAttestation for asid and the n prefixes (sorted and
 * de-duplicated on the way; the caller's array is not changed).  The
 * IPAddress BIT STRINGs carry exactly len bits (unused-bits octet set
 * explicitly, so /0, /7, /23 ... encode correctly).  maxLength is omitted
 * when it equals the prefix length.  NULL on bad input or allocation
 * failure; *derlen set on success. */
unsigned char *roa_econtent_encode(uint32_t asid, const struct roa_prefix *v, size_t n,
				   int *derlen);

/* Decode a RouteOriginAttestation.  On success *v is a malloc'd array of *n
 * prefixes.  Returns -1 (with err) on malformed or non-DER-sized input:
 * unknown version, bad family, prefix longer than the family, maxLength
 * out of range, more than ROA_MAX_PREFIXES. */
int roa_econtent_decode(const unsigned char *der, long derlen, uint32_t *asid,
			struct roa_prefix **v, size_t *n, char *err, size_t errlen);

/* One FileAndHash of a manifest: file name and its SHA-256. */
struct roa_mft_file {
	char name[256];
	unsigned char sha256[32];
};

/* DER of a Manifest (RFC 9286 section 4.2): version 0 (omitted), number,
 * thisUpdate/nextUpdate as GeneralizedTime, fileHashAlg id-sha256, files. */
unsigned char *roa_mft_encode(uint64_t number, time_t this_update, time_t next_update,
			      const struct roa_mft_file *files, size_t n, int *derlen);

/* Read back a manifest's number, times and file list (*files malloc'd). */
int roa_mft_decode(const unsigned char *der, long derlen, uint64_t *number,
		   time_t *this_update, time_t *next_update,
		   struct roa_mft_file **files, size_t *n, char *err, size_t errlen);

#endif
