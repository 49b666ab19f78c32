/*
 * roa_asn1: RFC 9582 (ROA) and RFC 9286 (Manifest) eContent with OpenSSL
 * ASN.1 templates, and the text form of ROA prefixes.
 *
 * The subtle part is the IPAddress BIT STRING (RFC 3779 section 2.1.2): it
 * carries exactly as many bits as the prefix is long.  OpenSSL, left alone,
 * derives the unused-bits count from the trailing zero bits of the data, so a
 * prefix whose last bit is 0 (10.1.4.0/23, 10.0.0.0/7 ...) would come out
 * shorter.  We set ASN1_STRING_FLAG_BITS_LEFT with the exact count instead.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/objects.h>
#include <openssl/safestack.h>

#include "labs/tools/roa/roa_asn1.h"

/* RFC 9582 section 4 */
typedef struct {
	ASN1_BIT_STRING *address;
	ASN1_INTEGER *maxLength;
} RoaIPAddress;

typedef struct RoaIPAddressFamily_st RoaIPAddressFamily;
DEFINE_STACK_OF(RoaIPAddress)

struct RoaIPAddressFamily_st {
	ASN1_OCTET_STRING *addressFamily;
	STACK_OF(RoaIPAddress) *addresses;
};
DEFINE_STACK_OF(RoaIPAddressFamily)

typedef struct {
	ASN1_INTEGER *version;
	ASN1_INTEGER *asid;
	STACK_OF(RoaIPAddressFamily) *ipAddrBlocks;
} RouteOriginAttestation;

ASN1_SEQUENCE(RoaIPAddress) = {
	ASN1_SIMPLE(RoaIPAddress, address, ASN1_BIT_STRING),
	ASN1_OPT(RoaIPAddress, maxLength, ASN1_INTEGER),
} static_ASN1_SEQUENCE_END(RoaIPAddress)

ASN1_SEQUENCE(RoaIPAddressFamily) = {
	ASN1_SIMPLE(RoaIPAddressFamily, addressFamily, ASN1_OCTET_STRING),
	ASN1_SEQUENCE_OF(RoaIPAddressFamily, addresses, RoaIPAddress),
} static_ASN1_SEQUENCE_END(RoaIPAddressFamily)

ASN1_SEQUENCE(RouteOriginAttestation) = {
	ASN1_EXP_OPT(RouteOriginAttestation, version, ASN1_INTEGER, 0),
	ASN1_SIMPLE(RouteOriginAttestation, asid, ASN1_INTEGER),
	ASN1_SEQUENCE_OF(RouteOriginAttestation, ipAddrBlocks, RoaIPAddressFamily),
} static_ASN1_SEQUENCE_END(RouteOriginAttestation)

/* RFC 9286 section 4.2 */
typedef struct {
	ASN1_IA5STRING *file;
	ASN1_BIT_STRING *hash;
} FileAndHash;
DEFINE_STACK_OF(FileAndHash)

typedef struct {
	ASN1_INTEGER *version;
	ASN1_INTEGER *manifestNumber;
	ASN1_GENERALIZEDTIME *thisUpdate;
	ASN1_GENERALIZEDTIME *nextUpdate;
	ASN1_OBJECT *fileHashAlg;
	STACK_OF(FileAndHash) *fileList;
} Manifest;

ASN1_SEQUENCE(FileAndHash) = {
	ASN1_SIMPLE(FileAndHash, file, ASN1_IA5STRING),
	ASN1_SIMPLE(FileAndHash, hash, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(FileAndHash)

ASN1_SEQUENCE(Manifest) = {
	ASN1_EXP_OPT(Manifest, version, ASN1_INTEGER, 0),
	ASN1_SIMPLE(Manifest, manifestNumber, ASN1_INTEGER),
	ASN1_SIMPLE(Manifest, thisUpdate, ASN1_GENERALIZEDTIME),
	ASN1_SIMPLE(Manifest, nextUpdate, ASN1_GENERALIZEDTIME),
	ASN1_SIMPLE(Manifest, fileHashAlg, ASN1_OBJECT),
	ASN1_SEQUENCE_OF(Manifest, fileList, FileAndHash),
} static_ASN1_SEQUENCE_END(Manifest)

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
roa_afi_bits(int afi)
{
	return afi == ROA_AFI_IPV4 ? 32 : 128;
}

static int
host_bits_clear(const unsigned char *addr, int len, int bits)
{
	for (int i = len; i < bits; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

static int
parse_len(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int
roa_prefix_parse(const char *s, struct roa_prefix *p, char *err, size_t errlen)
{
	char buf[ROA_PREFIX_STRLEN + 8], *slash, *dash;
	int bits;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(buf) - 1) {
		seterr(err, errlen, "'%.40s...' is too long to be a prefix", s);
		return -1;
	}
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) == NULL) {
		seterr(err, errlen, "'%s' is not a prefix: write ADDRESS/LENGTH, e.g. 10.1.4.0/22", s);
		return -1;
	}
	*slash++ = '\0';
	if ((dash = strchr(slash, '-')) != NULL)
		*dash++ = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->afi = ROA_AFI_IPV4;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->afi = ROA_AFI_IPV6;
	else {
		seterr(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
		return -1;
	}
	bits = roa_afi_bits(p->afi);
	if (parse_len(slash, 0, bits, &p->len) == -1) {
		seterr(err, errlen, p->afi == ROA_AFI_IPV4 ?
		       "'%s': an IPv4 prefix length is 0 to 32" :
		       "'%s': an IPv6 prefix length is 0 to 128", s);
		return -1;
	}
	p->maxlen = p->len;
	if (dash != NULL && parse_len(dash, 0, bits, &p->maxlen) == -1) {
		seterr(err, errlen, "'%s': maxLength after '-' must be a number up to the address size", s);
		return -1;
	}
	if (p->maxlen < p->len) {
		seterr(err, errlen, "'%s': maxLength cannot be shorter than the prefix length (RFC 9582)", s);
		return -1;
	}
	if (!host_bits_clear(p->addr, p->len, bits)) {
		seterr(err, errlen, "'%s' has host bits set after the prefix length; "
		       "write the network address of the prefix", s);
		return -1;
	}
	return 0;
}

void
roa_prefix_format(const struct roa_prefix *p, char *buf, size_t buflen)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->afi == ROA_AFI_IPV4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	if (p->maxlen != p->len)
		snprintf(buf, buflen, "%s/%d-%d", a, p->len, p->maxlen);
	else
		snprintf(buf, buflen, "%s/%d", a, p->len);
}

int
roa_prefix_cmp(const struct roa_prefix *a, const struct roa_prefix *b)
{
	int c;

	if (a->afi != b->afi)
		return a->afi - b->afi;
	if ((c = memcmp(a->addr, b->addr, sizeof(a->addr))) != 0)
		return c;
	if (a->len != b->len)
		return a->len - b->len;
	return a->maxlen - b->maxlen;
}

int
roa_prefix_within(const struct roa_prefix *a, const struct roa_prefix *b)
{
	if (a->afi != b->afi || a->len < b->len)
		return 0;
	for (int i = 0; i < b->len; i++) {
		unsigned char m = 0x80 >> (i % 8);
		if ((a->addr[i / 8] & m) != (b->addr[i / 8] & m))
			return 0;
	}
	return 1;
}

static int
cmp_qsort(const void *a, const void *b)
{
	return roa_prefix_cmp(a, b);
}

/* The RFC 3779 IPAddress: (len + 7) / 8 octets, 8 * octets - len unused. */
static ASN1_BIT_STRING *
prefix_bits(const struct roa_prefix *p)
{
	ASN1_BIT_STRING *bs;
	int nbytes = (p->len + 7) / 8, unused = nbytes * 8 - p->len;
	unsigned char data[16];

	memcpy(data, p->addr, sizeof(data));
	if (unused > 0)
		data[nbytes - 1] &= (unsigned char)(0xff << unused);
	if ((bs = ASN1_BIT_STRING_new()) == NULL)
		return NULL;
	if (!ASN1_BIT_STRING_set(bs, data, nbytes)) {
		ASN1_BIT_STRING_free(bs);
		return NULL;
	}
	bs->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bs->flags |= ASN1_STRING_FLAG_BITS_LEFT | unused;
	return bs;
}

unsigned char *
roa_econtent_encode(uint32_t asid, const struct roa_prefix *v, size_t n, int *derlen)
{
	RouteOriginAttestation *roa = NULL;
	RoaIPAddressFamily *fam = NULL;
	RoaIPAddress *ra = NULL;
	struct roa_prefix *sorted = NULL;
	unsigned char *der = NULL;
	int len;

	if (n == 0 || n > ROA_MAX_PREFIXES)
		return NULL;
	if ((sorted = malloc(n * sizeof(*sorted))) == NULL)
		return NULL;
	memcpy(sorted, v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_qsort);

	if ((roa = (RouteOriginAttestation *)ASN1_item_new(ASN1_ITEM_rptr(RouteOriginAttestation))) == NULL)
		goto fail;
	if (!ASN1_INTEGER_set_uint64(roa->asid, asid))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct roa_prefix *p = &sorted[i];
		int bits = roa_afi_bits(p->afi);

		if ((p->afi != ROA_AFI_IPV4 && p->afi != ROA_AFI_IPV6) || p->len < 0 ||
		    p->len > bits || p->maxlen < p->len || p->maxlen > bits)
			goto fail;
		if (i > 0 && roa_prefix_cmp(p, &sorted[i - 1]) == 0)
			continue;	/* duplicate */
		if (i == 0 || p->afi != sorted[i - 1].afi) {
			unsigned char afi[2] = { 0, (unsigned char)p->afi };

			if ((fam = (RoaIPAddressFamily *)ASN1_item_new(ASN1_ITEM_rptr(RoaIPAddressFamily))) == NULL)
				goto fail;
			if (!ASN1_OCTET_STRING_set(fam->addressFamily, afi, 2) ||
			    !sk_RoaIPAddressFamily_push(roa->ipAddrBlocks, fam)) {
				ASN1_item_free((ASN1_VALUE *)fam, ASN1_ITEM_rptr(RoaIPAddressFamily));
				goto fail;
			}
		}
		if ((ra = (RoaIPAddress *)ASN1_item_new(ASN1_ITEM_rptr(RoaIPAddress))) == NULL)
			goto fail;
		ASN1_BIT_STRING_free(ra->address);
		if ((ra->address = prefix_bits(p)) == NULL)
			goto fail;
		if (p->maxlen != p->len) {
			if ((ra->maxLength = ASN1_INTEGER_new()) == NULL ||
			    !ASN1_INTEGER_set(ra->maxLength, p->maxlen))
				goto fail;
		}
		if (!sk_RoaIPAddress_push(fam->addresses, ra))
			goto fail;
		ra = NULL;
	}
	len = ASN1_item_i2d((ASN1_VALUE *)roa, &der, ASN1_ITEM_rptr(RouteOriginAttestation));
	if (len <= 0) {
		der = NULL;
		goto fail;
	}
	*derlen = len;
fail:
	if (ra != NULL)
		ASN1_item_free((ASN1_VALUE *)ra, ASN1_ITEM_rptr(RoaIPAddress));
	ASN1_item_free((ASN1_VALUE *)roa, ASN1_ITEM_rptr(RouteOriginAttestation));
	free(sorted);
	return der;
}

int
roa_econtent_decode(const unsigned char *der, long derlen, uint32_t *asid,
		    struct roa_prefix **out, size_t *nout, char *err, size_t errlen)
{
	RouteOriginAttestation *roa;
	const unsigned char *p = der;
	struct roa_prefix *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t as;
	int ret = -1;

	*out = NULL;
	*nout = 0;
	roa = (RouteOriginAttestation *)ASN1_item_d2i(NULL, &p, derlen,
						      ASN1_ITEM_rptr(RouteOriginAttestation));
	if (roa == NULL || p != der + derlen) {
		seterr(err, errlen, "not a RouteOriginAttestation (RFC 9582)");
		goto fail;
	}
	if (roa->version != NULL && ASN1_INTEGER_get(roa->version) != 0) {
		seterr(err, errlen, "unknown ROA version");
		goto fail;
	}
	if (!ASN1_INTEGER_get_uint64(&as, roa->asid) || as > UINT32_MAX) {
		seterr(err, errlen, "asID is not a 32-bit AS number");
		goto fail;
	}
	*asid = (uint32_t)as;
	for (int i = 0; i < sk_RoaIPAddressFamily_num(roa->ipAddrBlocks); i++) {
		RoaIPAddressFamily *fam = sk_RoaIPAddressFamily_value(roa->ipAddrBlocks, i);
		const unsigned char *af = ASN1_STRING_get0_data(fam->addressFamily);
		int afi, bits;

		if (ASN1_STRING_length(fam->addressFamily) != 2 || af[0] != 0 ||
		    (af[1] != ROA_AFI_IPV4 && af[1] != ROA_AFI_IPV6)) {
			seterr(err, errlen, "addressFamily is neither IPv4 nor IPv6");
			goto fail;
		}
		afi = af[1];
		bits = roa_afi_bits(afi);
		for (int j = 0; j < sk_RoaIPAddress_num(fam->addresses); j++) {
			RoaIPAddress *ra = sk_RoaIPAddress_value(fam->addresses, j);
			int octets = ASN1_STRING_length(ra->address);
			int unused = (ra->address->flags & ASN1_STRING_FLAG_BITS_LEFT) ?
				(int)(ra->address->flags & 0x07) : 0;
			struct roa_prefix *q;
			long ml;

			if (octets * 8 > bits || (octets == 0 && unused != 0)) {
				seterr(err, errlen, "IPAddress longer than its family");
				goto fail;
			}
			if (n == ROA_MAX_PREFIXES) {
				seterr(err, errlen, "too many prefixes");
				goto fail;
			}
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct roa_prefix *nv = realloc(v, ncap * sizeof(*nv));

				if (nv == NULL) {
					seterr(err, errlen, "out of memory");
					goto fail;
				}
				v = nv;
				cap = ncap;
			}
			q = &v[n++];
			memset(q, 0, sizeof(*q));
			q->afi = afi;
			if (octets > 0)	/* a /0 has no data (and may have no buffer) */
				memcpy(q->addr, ASN1_STRING_get0_data(ra->address), (size_t)octets);
			q->len = octets * 8 - unused;
			q->maxlen = q->len;
			if (ra->maxLength != NULL) {
				ml = ASN1_INTEGER_get(ra->maxLength);
				if (ml < q->len || ml > bits) {
					seterr(err, errlen, "maxLength out of range");
					goto fail;
				}
				q->maxlen = (int)ml;
			}
		}
	}
	if (n == 0) {
		seterr(err, errlen, "ROA without prefixes");
		goto fail;
	}
	*out = v;
	*nout = n;
	v = NULL;
	ret = 0;
fail:
	free(v);
	ASN1_item_free((ASN1_VALUE *)roa, ASN1_ITEM_rptr(RouteOriginAttestation));
	return ret;
}

unsigned char *
roa_mft_encode(uint64_t number, time_t this_update, time_t next_update,
	       const struct roa_mft_file *files, size_t n, int *derlen)
{
	Manifest *m;
	FileAndHash *fh = NULL;
	unsigned char *der = NULL;
	int len;

	if ((m = (Manifest *)ASN1_item_new(ASN1_ITEM_rptr(Manifest))) == NULL)
		return NULL;
	if (!ASN1_INTEGER_set_uint64(m->manifestNumber, number) ||
	    ASN1_GENERALIZEDTIME_set(m->thisUpdate, this_update) == NULL ||
	    ASN1_GENERALIZEDTIME_set(m->nextUpdate, next_update) == NULL)
		goto fail;
	ASN1_OBJECT_free(m->fileHashAlg);
	m->fileHashAlg = OBJ_nid2obj(NID_sha256);
	for (size_t i = 0; i < n; i++) {
		if ((fh = (FileAndHash *)ASN1_item_new(ASN1_ITEM_rptr(FileAndHash))) == NULL)
			goto fail;
		if (!ASN1_STRING_set(fh->file, files[i].name, (int)strlen(files[i].name)) ||
		    !ASN1_BIT_STRING_set(fh->hash, (unsigned char *)files[i].sha256, 32))
			goto fail;
		fh->hash->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
		fh->hash->flags |= ASN1_STRING_FLAG_BITS_LEFT;
		if (!sk_FileAndHash_push(m->fileList, fh))
			goto fail;
		fh = NULL;
	}
	len = ASN1_item_i2d((ASN1_VALUE *)m, &der, ASN1_ITEM_rptr(Manifest));
	if (len <= 0) {
		der = NULL;
		goto fail;
	}
	*derlen = len;
fail:
	if (fh != NULL)
		ASN1_item_free((ASN1_VALUE *)fh, ASN1_ITEM_rptr(FileAndHash));
	ASN1_item_free((ASN1_VALUE *)m, ASN1_ITEM_rptr(Manifest));
	return der;
}

static int
gt_to_time(const ASN1_GENERALIZEDTIME *t, time_t *out)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm))
		return -1;
	*out = timegm(&tm);
	return 0;
}

int
roa_mft_decode(const unsigned char *der, long derlen, uint64_t *number,
	       time_t *this_update, time_t *next_update,
	       struct roa_mft_file **files, size_t *nfiles, char *err, size_t errlen)
{
	Manifest *m;
	const unsigned char *p = der;
	struct roa_mft_file *v = NULL;
	int n, ret = -1;

	*files = NULL;
	*nfiles = 0;
	m = (Manifest *)ASN1_item_d2i(NULL, &p, derlen, ASN1_ITEM_rptr(Manifest));
	if (m == NULL || p != der + derlen) {
		seterr(err, errlen, "not a Manifest (RFC 9286)");
		goto fail;
	}
	if (!ASN1_INTEGER_get_uint64(number, m->manifestNumber) ||
	    gt_to_time(m->thisUpdate, this_update) == -1 ||
	    gt_to_time(m->nextUpdate, next_update) == -1) {
		seterr(err, errlen, "bad manifestNumber or update times");
		goto fail;
	}
	n = sk_FileAndHash_num(m->fileList);
	if (n > 0 && (v = calloc((size_t)n, sizeof(*v))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		FileAndHash *fh = sk_FileAndHash_value(m->fileList, i);
		int fl = ASN1_STRING_length(fh->file);

		if (fl <= 0 || fl >= (int)sizeof(v[i].name) || ASN1_STRING_length(fh->hash) != 32) {
			seterr(err, errlen, "bad FileAndHash");
			goto fail;
		}
		memcpy(v[i].name, ASN1_STRING_get0_data(fh->file), (size_t)fl);
		memcpy(v[i].sha256, ASN1_STRING_get0_data(fh->hash), 32);
	}
	*files = v;
	*nfiles = (size_t)n;
	v = NULL;
	ret = 0;
fail:
	free(v);
	ASN1_item_free((ASN1_VALUE *)m, ASN1_ITEM_rptr(Manifest));
	return ret;
}
