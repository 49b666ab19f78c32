/*
 * labhub-roa: create, update and publish Route Origin Authorizations under a
 * CA the user holds, in the spirit of Krill's `krillc roas update`.
 *
 * The CA is described by a small key = value file (ca.conf: cert, key, uri of
 * the CA certificate at its parent, repo = the publication point on disk).
 * The rest comes from the CA certificate itself: the rsync URI of the
 * publication point and the manifest name (subjectInfoAccess, RFC 6487
 * section 4.8.8), the resources a ROA may cover (RFC 3779).
 *
 * Every ROA is a CMS signed object (RFC 6488) with eContentType
 * id-ct-routeOriginAuthz and a RouteOriginAttestation (RFC 9582), signed by
 * a fresh one-time-use EE certificate (RFC 6487 section 3) whose IP
 * resources are the ROA's prefixes.  After every change the CRL (RFC 6487
 * section 5) and the manifest (RFC 9286) of the publication point are
 * regenerated; EE certificates of replaced or removed objects are revoked.
 *
 * State beside ca.conf: `number` (last manifest/CRL number) and `revoked`
 * (serial, revocation time).  The publication point itself is the list of
 * ROAs: `list` and `remove` decode the .roa files found there, including
 * ones made by hand with openssl.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "labs/tools/roa/roa_asn1.h"

#define OID_CT_ROA "1.2.840.113549.1.9.16.1.24"	/* id-ct-routeOriginAuthz, RFC 6482 */
#define OID_CT_MFT "1.2.840.113549.1.9.16.1.26"	/* id-ct-rpkiManifest, RFC 9286 */
#define OID_CP_RPKI "1.3.6.1.5.5.7.14.2"		/* id-cp-ipAddr-asNumber, RFC 6484 */
#define MAX_AUTHS 256
#define MAX_FILES 4096
#define MAX_OBJECT (4 << 20)	/* bytes; more is not an RPKI object */

static const char *progname = "labhub-roa";

static struct {
	int force;
	int ee_days;
	int mft_days;
	int crl_days;		/* -1: as mft_days */
	int mft_ee_days;	/* -1: as mft_days */
	long backdate;		/* days */
	time_t now;
} opt = { 0, 365, 7, -1, -1, 0, 0 };

struct ca {
	char *conf_dir;
	char *cert_path, *key_path, *repo, *uri;
	X509 *cert;
	EVP_PKEY *key;
	char *repo_uri;		/* rsync://.../ ending in '/' */
	char mft_name[256];
	char crl_name[256];
};

/* One authorization: one prefix (with maxLength) and its origin AS. */
struct auth {
	struct roa_prefix p;
	uint32_t asid;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list ap;
	unsigned long e;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	while ((e = ERR_get_error()) != 0)
		fprintf(stderr, "  (openssl: %s)\n", ERR_error_string(e, NULL));
	exit(1);
}

static void
warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		die("out of memory");
	return d;
}

static char *
path_join(const char *dir, const char *name)
{
	char *p;

	if (name[0] == '/')
		return xstrdup(name);
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		die("out of memory");
	return p;
}

/* Whole file, capped at MAX_OBJECT.  NULL with errno on failure. */
static unsigned char *
read_file(const char *path, long *len)
{
	FILE *f;
	unsigned char *buf;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if ((buf = malloc(MAX_OBJECT + 1)) == NULL)
		die("out of memory");
	n = fread(buf, 1, MAX_OBJECT + 1, f);
	fclose(f);
	if (n > MAX_OBJECT) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	*len = (long)n;
	return buf;
}

/* Replace path atomically with len bytes of data. */
static void
write_file(const char *path, const unsigned char *data, long len)
{
	char *tmp;
	FILE *f;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		die("out of memory");
	if ((f = fopen(tmp, "wb")) == NULL)
		die("cannot write %s: %s", tmp, strerror(errno));
	if (fwrite(data, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0)
		die("cannot write %s: %s", tmp, strerror(errno));
	if (rename(tmp, path) == -1)
		die("cannot rename %s to %s: %s", tmp, path, strerror(errno));
	free(tmp);
}

/* --- the CA --------------------------------------------------------------- */

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static void
ca_read_conf(struct ca *ca, const char *conf)
{
	FILE *f;
	char line[1024], *slash;
	int lineno = 0;

	if ((f = fopen(conf, "r")) == NULL)
		die("cannot open the CA description %s: %s\n"
		    "  (give it with --ca FILE or LABHUB_ROA_CA; in the lab it is ~/rpki/ca/ca.conf)",
		    conf, strerror(errno));
	ca->conf_dir = xstrdup(conf);
	if ((slash = strrchr(ca->conf_dir, '/')) != NULL)
		*slash = '\0';
	else
		strcpy(ca->conf_dir, ".");
	while (fgets(line, sizeof(line), f) != NULL) {
		char *k, *v, *eq;

		lineno++;
		k = trim(line);
		if (*k == '#' || *k == '\0')
			continue;
		if ((eq = strchr(k, '=')) == NULL)
			die("%s:%d: expected key = value", conf, lineno);
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (strcmp(k, "cert") == 0)
			ca->cert_path = path_join(ca->conf_dir, v);
		else if (strcmp(k, "key") == 0)
			ca->key_path = path_join(ca->conf_dir, v);
		else if (strcmp(k, "repo") == 0)
			ca->repo = path_join(ca->conf_dir, v);
		else if (strcmp(k, "uri") == 0)
			ca->uri = xstrdup(v);
		else
			die("%s:%d: unknown key '%s' (cert, key, uri, repo)", conf, lineno, k);
	}
	fclose(f);
	if (ca->cert_path == NULL || ca->key_path == NULL || ca->repo == NULL || ca->uri == NULL)
		die("%s: needs cert, key, uri and repo", conf);
}

static X509 *
load_cert(const char *path)
{
	BIO *b;
	X509 *x;

	if ((b = BIO_new_file(path, "rb")) == NULL)
		die("cannot open certificate %s", path);
	x = d2i_X509_bio(b, NULL);
	if (x == NULL) {
		(void)BIO_reset(b);
		ERR_clear_error();
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	}
	BIO_free(b);
	if (x == NULL)
		die("%s is not an X.509 certificate (DER or PEM)", path);
	return x;
}

static void
ca_load(struct ca *ca, const char *conf)
{
	AUTHORITY_INFO_ACCESS *sia;
	const char *mft_uri = NULL, *base;
	BIO *b;
	size_t l;

	ca_read_conf(ca, conf);
	ca->cert = load_cert(ca->cert_path);
	if ((b = BIO_new_file(ca->key_path, "rb")) == NULL)
		die("cannot open the CA key %s", ca->key_path);
	ca->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (ca->key == NULL)
		die("%s is not a PEM private key", ca->key_path);
	if (X509_check_private_key(ca->cert, ca->key) != 1)
		die("%s is not the key of %s", ca->key_path, ca->cert_path);

	sia = X509_get_ext_d2i(ca->cert, NID_sinfo_access, NULL, NULL);
	if (sia == NULL)
		die("%s has no subjectInfoAccess: not an RPKI CA certificate (RFC 6487 4.8.8)", ca->cert_path);
	for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(sia); i++) {
		ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(sia, i);
		int nid = OBJ_obj2nid(ad->method);

		if (ad->location->type != GEN_URI)
			continue;
		if (nid == NID_caRepository && ca->repo_uri == NULL)
			ca->repo_uri = xstrdup((const char *)ASN1_STRING_get0_data(ad->location->d.uniformResourceIdentifier));
		else if (nid == NID_rpkiManifest && mft_uri == NULL)
			mft_uri = (const char *)ASN1_STRING_get0_data(ad->location->d.uniformResourceIdentifier);
	}
	if (ca->repo_uri == NULL || mft_uri == NULL)
		die("%s: subjectInfoAccess lacks caRepository or rpkiManifest", ca->cert_path);
	l = strlen(ca->repo_uri);
	if (l == 0 || ca->repo_uri[l - 1] != '/')
		die("%s: caRepository %s does not end in '/'", ca->cert_path, ca->repo_uri);
	base = strrchr(mft_uri, '/');
	base = base ? base + 1 : mft_uri;
	l = strlen(base);
	if (l < 5 || l >= sizeof(ca->mft_name) || strcmp(base + l - 4, ".mft") != 0)
		die("%s: rpkiManifest %s does not name a .mft file", ca->cert_path, mft_uri);
	strcpy(ca->mft_name, base);
	strcpy(ca->crl_name, base);
	strcpy(ca->crl_name + l - 4, ".crl");
	AUTHORITY_INFO_ACCESS_free(sia);
}

static void
ca_free(struct ca *ca)
{
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	free(ca->conf_dir);
	free(ca->cert_path);
	free(ca->key_path);
	free(ca->repo);
	free(ca->uri);
	free(ca->repo_uri);
}

/* "10.1.4.0/22, 2001:db8:1::/48" from the CA's RFC 3779 extension. */
static void
format_resources(IPAddrBlocks *blocks, char *buf, size_t buflen)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; blocks != NULL && i < sk_IPAddressFamily_num(blocks); i++) {
		IPAddressFamily *f = sk_IPAddressFamily_value(blocks, i);
		unsigned afi = X509v3_addr_get_afi(f);

		if (f->ipAddressChoice->type == IPAddressChoice_inherit) {
			used += (size_t)snprintf(buf + used, buflen - used, "%sinherit", used ? ", " : "");
			continue;
		}
		for (int j = 0; j < sk_IPAddressOrRange_num(f->ipAddressChoice->u.addressesOrRanges); j++) {
			IPAddressOrRange *aor = sk_IPAddressOrRange_value(f->ipAddressChoice->u.addressesOrRanges, j);
			char s[ROA_PREFIX_STRLEN];

			if (aor->type == IPAddressOrRange_addressPrefix) {
				struct roa_prefix p = { 0 };
				ASN1_BIT_STRING *bs = aor->u.addressPrefix;

				p.afi = (int)afi;
				if (bs->length > 0)
					memcpy(p.addr, bs->data, (size_t)(bs->length > 16 ? 16 : bs->length));
				p.len = bs->length * 8 - (int)(bs->flags & 7);
				p.maxlen = p.len;
				roa_prefix_format(&p, s, sizeof(s));
			} else {
				snprintf(s, sizeof(s), "(a range)");
			}
			if (used < buflen)
				used += (size_t)snprintf(buf + used, buflen - used, "%s%s", used ? ", " : "", s);
		}
		if (used >= buflen)
			break;
	}
}

static IPAddrBlocks *
blocks_of(const struct roa_prefix *v, size_t n)
{
	IPAddrBlocks *b = sk_IPAddressFamily_new_null();

	if (b == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		unsigned afi = v[i].afi == ROA_AFI_IPV4 ? IANA_AFI_IPV4 : IANA_AFI_IPV6;

		if (!X509v3_addr_add_prefix(b, afi, NULL, (unsigned char *)v[i].addr, v[i].len))
			die("cannot encode the resources of the EE certificate");
	}
	if (!X509v3_addr_canonize(b))
		die("cannot canonize the resources of the EE certificate");
	return b;
}

/* Refuse prefixes the CA does not hold, unless --force. */
static void
check_resources(struct ca *ca, const struct auth *a)
{
	IPAddrBlocks *held, *want;
	char res[512], s[ROA_PREFIX_STRLEN];

	held = X509_get_ext_d2i(ca->cert, NID_sbgp_ipAddrBlock, NULL, NULL);
	want = blocks_of(&a->p, 1);
	if (held == NULL || !X509v3_addr_subset(want, held)) {
		format_resources(held, res, sizeof(res));
		roa_prefix_format(&a->p, s, sizeof(s));
		if (!opt.force)
			die("%s is not within the resources of your CA (%s).\n"
			    "  A ROA for it would be rejected by every validator (RFC 6487 section 7.2).\n"
			    "  Use --force to create it anyway, e.g. to see what rpki-client says.",
			    s, res[0] ? res : "none");
		warnx("--force: %s is outside your CA's resources (%s); validators will reject this ROA", s, res);
	}
	sk_IPAddressFamily_pop_free(want, IPAddressFamily_free);
	sk_IPAddressFamily_pop_free(held, IPAddressFamily_free);
}

/* --- state: numbers and revocations ---------------------------------------- */

static uint64_t
next_number(struct ca *ca, uint64_t at_least)
{
	char *path = path_join(ca->conf_dir, "number"), buf[64];
	uint64_t n = 0;
	FILE *f;

	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			n = strtoull(buf, NULL, 10);
		fclose(f);
	}
	if (n < at_least)
		n = at_least;
	n++;
	snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)n);
	write_file(path, (unsigned char *)buf, (long)strlen(buf));
	free(path);
	return n;
}

static void
ee_revoke(struct ca *ca, const ASN1_INTEGER *serial)
{
	char *path = path_join(ca->conf_dir, "revoked");
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *hex;
	FILE *f;

	if (bn == NULL || (hex = BN_bn2hex(bn)) == NULL)
		die("out of memory");
	if ((f = fopen(path, "a")) == NULL)
		die("cannot append to %s: %s", path, strerror(errno));
	fprintf(f, "%s %lld\n", hex, (long long)opt.now);
	fclose(f);
	OPENSSL_free(hex);
	BN_free(bn);
	free(path);
}

/* --- signed objects ------------------------------------------------------- */

static ASN1_INTEGER *
random_serial(void)
{
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *s;

	/* Positive, at most 16 octets (RFC 5280 allows 20). */
	if (bn == NULL || !BN_rand(bn, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY))
		die("no randomness for a serial number");
	s = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	if (s == NULL)
		die("out of memory");
	return s;
}

static void
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);

	if (ext == NULL || !X509_add_ext(x, ext, -1))
		die("cannot add %s = %s to the EE certificate", OBJ_nid2sn(nid), value);
	X509_EXTENSION_free(ext);
}

/*
 * A one-time-use EE certificate (RFC 6487 section 4) for the object that
 * will be published as `name`: resources v (n prefixes), or "inherit" for
 * everything the CA holds when v is NULL (a manifest, RFC 9286 section 4.2).
 */
static X509 *
ee_issue(struct ca *ca, EVP_PKEY *eekey, const char *name,
	 const struct roa_prefix *v, size_t n, time_t not_after)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_NAME *subj;
	ASN1_INTEGER *serial = random_serial();
	unsigned char md[SHA_DIGEST_LENGTH];
	unsigned int mdlen;
	char cn[2 * SHA_DIGEST_LENGTH + 1], val[1024];
	IPAddrBlocks *ip;
	time_t nb = opt.now;

	if (x == NULL || !X509_set_version(x, 2) || !X509_set_serialNumber(x, serial))
		die("out of memory");
	ASN1_INTEGER_free(serial);
	if (!X509_set_issuer_name(x, X509_get_subject_name(ca->cert)))
		die("out of memory");
	/* Subject: the key's hash, unique per EE (RFC 6487 section 4.5). */
	{
		unsigned char *der = NULL;
		int dl = i2d_PUBKEY(eekey, &der);

		if (dl <= 0 || !EVP_Digest(der, (size_t)dl, md, &mdlen, EVP_sha1(), NULL))
			die("cannot hash the EE key");
		OPENSSL_free(der);
	}
	for (unsigned i = 0; i < SHA_DIGEST_LENGTH; i++)
		snprintf(cn + 2 * i, 3, "%02X", md[i]);
	subj = X509_NAME_new();
	if (subj == NULL ||
	    !X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_subject_name(x, subj))
		die("out of memory");
	X509_NAME_free(subj);
	if (X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &not_after) == NULL ||
	    !X509_set_pubkey(x, eekey))
		die("cannot set the EE validity or key");

	X509V3_set_ctx(&ctx, ca->cert, x, NULL, NULL, 0);
	add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
	add_ext(x, &ctx, NID_key_usage, "critical, digitalSignature");
	snprintf(val, sizeof(val), "URI:%s%s", ca->repo_uri, ca->crl_name);
	add_ext(x, &ctx, NID_crl_distribution_points, val);
	snprintf(val, sizeof(val), "caIssuers;URI:%s", ca->uri);
	add_ext(x, &ctx, NID_info_access, val);
	snprintf(val, sizeof(val), "signedObject;URI:%s%s", ca->repo_uri, name);
	add_ext(x, &ctx, NID_sinfo_access, val);
	{
		CERTIFICATEPOLICIES *pols = CERTIFICATEPOLICIES_new();
		POLICYINFO *pi = POLICYINFO_new();

		if (pols == NULL || pi == NULL || (pi->policyid = OBJ_txt2obj(OID_CP_RPKI, 1)) == NULL ||
		    !sk_POLICYINFO_push(pols, pi) ||
		    !X509_add1_ext_i2d(x, NID_certificate_policies, pols, 1, X509V3_ADD_DEFAULT))
			die("cannot add the RPKI certificate policy");
		CERTIFICATEPOLICIES_free(pols);
	}

	if (v != NULL) {
		ip = blocks_of(v, n);
	} else {
		IPAddrBlocks *held = X509_get_ext_d2i(ca->cert, NID_sbgp_ipAddrBlock, NULL, NULL);
		ASIdentifiers *as = X509_get_ext_d2i(ca->cert, NID_sbgp_autonomousSysNum, NULL, NULL);

		if ((ip = sk_IPAddressFamily_new_null()) == NULL)
			die("out of memory");
		for (int i = 0; held != NULL && i < sk_IPAddressFamily_num(held); i++)
			if (!X509v3_addr_add_inherit(ip, X509v3_addr_get_afi(sk_IPAddressFamily_value(held, i)), NULL))
				die("out of memory");
		if (as != NULL) {
			ASIdentifiers *inh = ASIdentifiers_new();

			if (inh == NULL || !X509v3_asid_add_inherit(inh, V3_ASID_ASNUM) ||
			    !X509_add1_ext_i2d(x, NID_sbgp_autonomousSysNum, inh, 1, X509V3_ADD_DEFAULT))
				die("cannot add AS resources to the EE certificate");
			ASIdentifiers_free(inh);
			ASIdentifiers_free(as);
		}
		sk_IPAddressFamily_pop_free(held, IPAddressFamily_free);
	}
	if (sk_IPAddressFamily_num(ip) > 0 &&
	    !X509_add1_ext_i2d(x, NID_sbgp_ipAddrBlock, ip, 1, X509V3_ADD_DEFAULT))
		die("cannot add IP resources to the EE certificate");
	sk_IPAddressFamily_pop_free(ip, IPAddressFamily_free);
	if (X509_sign(x, ca->key, EVP_sha256()) <= 0)
		die("cannot sign the EE certificate with the CA key");
	return x;
}

static EVP_PKEY *
ee_key(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);	/* RFC 7935: RSA 2048 */

	if (k == NULL)
		die("cannot generate an RSA key for the EE certificate");
	return k;
}

/*
 * Sign econtent as a CMS SignedData (RFC 6488 section 2.1) with a new EE
 * certificate and write it to the publication point as `name`.  The flags
 * give: the EE certificate identified by subjectKeyIdentifier (sid), binary
 * content, no S/MIME capabilities attribute; the eContentType is set before
 * the signature so that the content-type signed attribute carries it.
 */
static void
sign_object(struct ca *ca, const char *name, const char *ctype,
	    const unsigned char *econtent, int eclen,
	    const struct roa_prefix *v, size_t n, time_t not_after)
{
	EVP_PKEY *k = ee_key();
	X509 *ee = ee_issue(ca, k, name, v, n, not_after);
	BIO *in = BIO_new_mem_buf(econtent, eclen), *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms;
	ASN1_OBJECT *oid = OBJ_txt2obj(ctype, 1);
	char *path = path_join(ca->repo, name);
	unsigned char *der;
	long derlen;

	if (in == NULL || out == NULL || oid == NULL)
		die("out of memory");
	cms = CMS_sign(ee, k, NULL, NULL, CMS_PARTIAL | CMS_USE_KEYID | CMS_BINARY | CMS_NOSMIMECAP);
	if (cms == NULL || !CMS_set1_eContentType(cms, oid) || !CMS_final(cms, in, NULL, CMS_BINARY))
		die("cannot sign %s", name);
	if (i2d_CMS_bio(out, cms) <= 0)
		die("cannot encode %s", name);
	derlen = BIO_get_mem_data(out, (char **)&der);
	write_file(path, der, derlen);
	CMS_ContentInfo_free(cms);
	ASN1_OBJECT_free(oid);
	BIO_free(in);
	BIO_free(out);
	X509_free(ee);
	EVP_PKEY_free(k);
	free(path);
}

/* The eContent and EE certificate of a signed object file.  Returns -1
 * (with a reason) if it is not CMS SignedData of the expected type. */
static int
object_open(const char *path, const char *ctype, unsigned char **ec, long *eclen,
	    X509 **ee, char *why, size_t whylen)
{
	unsigned char *buf;
	const unsigned char *p;
	long len;
	CMS_ContentInfo *cms;
	ASN1_OCTET_STRING **content;
	STACK_OF(X509) *certs;
	char oid[64];

	*ec = NULL;
	*ee = NULL;
	if ((buf = read_file(path, &len)) == NULL) {
		snprintf(why, whylen, "cannot read: %s", strerror(errno));
		return -1;
	}
	p = buf;
	cms = d2i_CMS_ContentInfo(NULL, &p, len);
	free(buf);
	if (cms == NULL || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		ERR_clear_error();
		CMS_ContentInfo_free(cms);
		snprintf(why, whylen, "not a CMS signed object");
		return -1;
	}
	OBJ_obj2txt(oid, sizeof(oid), CMS_get0_eContentType(cms), 1);
	if (strcmp(oid, ctype) != 0) {
		CMS_ContentInfo_free(cms);
		snprintf(why, whylen, "eContentType is %s, not %s", oid, ctype);
		return -1;
	}
	content = CMS_get0_content(cms);
	if (content == NULL || *content == NULL) {
		CMS_ContentInfo_free(cms);
		snprintf(why, whylen, "no eContent");
		return -1;
	}
	*eclen = ASN1_STRING_length(*content);
	if ((*ec = malloc((size_t)*eclen + 1)) == NULL)
		die("out of memory");
	if (*eclen > 0)
		memcpy(*ec, ASN1_STRING_get0_data(*content), (size_t)*eclen);
	certs = CMS_get1_certs(cms);
	if (certs != NULL && sk_X509_num(certs) > 0)
		*ee = X509_dup(sk_X509_value(certs, 0));
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	return 0;
}

/* --- the publication point ------------------------------------------------ */

static int
valid_filename(const char *s)
{
	const char *dot = strrchr(s, '.');

	if (dot == NULL || dot == s || strlen(dot) != 4)
		return 0;
	for (const char *c = s; c < dot; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return 0;
	for (const char *c = dot + 1; *c; c++)
		if (*c < 'a' || *c > 'z')
			return 0;
	return 1;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the objects in the publication point (not the manifest). */
static char **
repo_list(struct ca *ca, const char *ext, size_t *n)
{
	DIR *d = opendir(ca->repo);
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		die("cannot open the publication point %s: %s", ca->repo, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name, *dot = strrchr(name, '.');
		char *path;
		struct stat st;

		if (name[0] == '.' || strcmp(name, ca->mft_name) == 0)
			continue;
		if (dot != NULL && strcmp(dot, ".tmp") == 0)
			continue;
		if (ext != NULL && (dot == NULL || strcmp(dot, ext) != 0))
			continue;
		path = path_join(ca->repo, name);
		if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		free(path);
		if (!valid_filename(name)) {
			warnx("skipping %s: not a valid RPKI file name (letters, digits, - and _, one .ext)", name);
			continue;
		}
		if (*n == MAX_FILES)
			die("more than %d files in %s", MAX_FILES, ca->repo);
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				die("out of memory");
		}
		v[(*n)++] = xstrdup(name);
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
write_crl(struct ca *ca, uint64_t number, time_t next)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_set(NULL, opt.now), *tn = ASN1_TIME_set(NULL, next);
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	X509V3_CTX ctx;
	X509_EXTENSION *aki;
	char *path = path_join(ca->conf_dir, "revoked"), line[256];
	FILE *f;
	BIO *out = BIO_new(BIO_s_mem());
	unsigned char *der;
	long derlen;

	if (crl == NULL || t == NULL || tn == NULL || num == NULL || out == NULL ||
	    !X509_CRL_set_version(crl, 1) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) ||
	    !X509_CRL_set1_lastUpdate(crl, t) || !X509_CRL_set1_nextUpdate(crl, tn))
		die("out of memory");
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			char hex[128];
			long long when;
			BIGNUM *bn = NULL;
			X509_REVOKED *r;
			ASN1_INTEGER *s;
			ASN1_TIME *rt;

			if (sscanf(line, "%127s %lld", hex, &when) != 2 || !BN_hex2bn(&bn, hex))
				continue;
			if ((r = X509_REVOKED_new()) == NULL || (s = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
			    (rt = ASN1_TIME_set(NULL, (time_t)when)) == NULL ||
			    !X509_REVOKED_set_serialNumber(r, s) || !X509_REVOKED_set_revocationDate(r, rt) ||
			    !X509_CRL_add0_revoked(crl, r))
				die("out of memory");
			ASN1_INTEGER_free(s);
			ASN1_TIME_free(rt);
			BN_free(bn);
		}
		fclose(f);
	}
	free(path);
	X509V3_set_ctx(&ctx, ca->cert, NULL, NULL, crl, 0);
	aki = X509V3_EXT_nconf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
	if (aki == NULL || !X509_CRL_add_ext(crl, aki, -1))
		die("cannot add the authority key identifier to the CRL");
	X509_EXTENSION_free(aki);
	if (!ASN1_INTEGER_set_uint64(num, number) ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, X509V3_ADD_DEFAULT))
		die("cannot add the CRL number");
	if (!X509_CRL_sort(crl) || X509_CRL_sign(crl, ca->key, EVP_sha256()) <= 0)
		die("cannot sign the CRL");
	if (i2d_X509_CRL_bio(out, crl) <= 0)
		die("cannot encode the CRL");
	derlen = BIO_get_mem_data(out, (char **)&der);
	path = path_join(ca->repo, ca->crl_name);
	write_file(path, der, derlen);
	free(path);
	BIO_free(out);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	ASN1_TIME_free(tn);
	X509_CRL_free(crl);
}

/* Regenerate the CRL and then the manifest over every object (RFC 9286). */
static void
publish(struct ca *ca)
{
	char *mft_path = path_join(ca->repo, ca->mft_name), why[256];
	unsigned char *ec, *der;
	long eclen;
	int derlen;
	X509 *old_ee;
	uint64_t old_number = 0, number;
	time_t next = opt.now + (time_t)opt.mft_days * 86400;
	struct roa_mft_file *files;
	char **names;
	size_t n;

	/* The previous manifest's EE certificate is revoked (one-time use). */
	if (access(mft_path, F_OK) == 0 &&
	    object_open(mft_path, OID_CT_MFT, &ec, &eclen, &old_ee, why, sizeof(why)) == 0) {
		struct roa_mft_file *of;
		size_t on;
		time_t t1, t2;

		if (roa_mft_decode(ec, eclen, &old_number, &t1, &t2, &of, &on, why, sizeof(why)) == 0)
			free(of);
		if (old_ee != NULL)
			ee_revoke(ca, X509_get0_serialNumber(old_ee));
		X509_free(old_ee);
		free(ec);
	}
	number = next_number(ca, old_number);
	write_crl(ca, number, opt.crl_days < 0 ? next :
		  opt.now + (time_t)opt.crl_days * 86400);

	names = repo_list(ca, NULL, &n);
	if ((files = calloc(n ? n : 1, sizeof(*files))) == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		char *p = path_join(ca->repo, names[i]);
		unsigned char *buf = NULL;
		long len;
		unsigned int mdlen;

		if ((buf = read_file(p, &len)) == NULL)
			die("cannot read %s: %s", p, strerror(errno));
		snprintf(files[i].name, sizeof(files[i].name), "%s", names[i]);
		if (!EVP_Digest(buf, (size_t)len, files[i].sha256, &mdlen, EVP_sha256(), NULL))
			die("cannot hash %s", p);
		free(buf);
		free(p);
	}
	if ((der = roa_mft_encode(number, opt.now, next, files, n, &derlen)) == NULL)
		die("cannot encode the manifest");
	sign_object(ca, ca->mft_name, OID_CT_MFT, der, derlen, NULL, 0, opt.mft_ee_days < 0 ? next :
		    opt.now + (time_t)opt.mft_ee_days * 86400);
	{
		char when[32];

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&next));
		printf("published %s: manifest #%llu lists %zu file%s, next update %s\n",
		       ca->repo_uri, (unsigned long long)number, n, n == 1 ? "" : "s", when);
	}
	OPENSSL_free(der);
	free(files);
	free_list(names, n);
	free(mft_path);
}

/* --- authorizations ------------------------------------------------------- */

static int
parse_asn(const char *s, uint32_t *as)
{
	char *end;
	unsigned long long v;

	if (strncasecmp(s, "AS", 2) == 0)
		s += 2;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -1;
	*as = (uint32_t)v;
	return 0;
}

/* "PREFIX[-MAX] => ASN" */
static void
parse_auth(const char *s, struct auth *a)
{
	char buf[256], err[256], *arrow, *p, *as;

	if (strlen(s) >= sizeof(buf))
		die("'%.40s...' is too long", s);
	strcpy(buf, s);
	if ((arrow = strstr(buf, "=>")) == NULL)
		die("'%s': write an authorization as \"PREFIX[-MAXLENGTH] => ASN\", "
		    "in quotes, e.g. \"10.1.4.0/22 => 64512\"", s);
	*arrow = '\0';
	p = trim(buf);
	as = trim(arrow + 2);
	if (roa_prefix_parse(p, &a->p, err, sizeof(err)) == -1)
		die("%s", err);
	if (parse_asn(as, &a->asid) == -1)
		die("'%s': '%s' is not an AS number (0 to 4294967295, 'AS' optional)", s, as);
}

/* Arguments are "P => AS" each, or the pairs P AS (quoting-free form). */
static size_t
collect_auths(int argc, char **argv, struct auth *v, size_t cap)
{
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		char joined[256];

		if (n == cap)
			die("too many authorizations at once (at most %zu)", cap);
		if (strstr(argv[i], "=>") == NULL && i + 1 < argc && strchr(argv[i], '/') != NULL) {
			const char *as = argv[i + 1];

			if (strcmp(as, "=>") == 0 && i + 2 < argc)
				as = argv[++i + 1];
			snprintf(joined, sizeof(joined), "%s => %s", argv[i], as);
			parse_auth(joined, &v[n++]);
			i++;
		} else {
			parse_auth(argv[i], &v[n++]);
		}
	}
	return n;
}

static void
auth_filename(const struct auth *a, char *buf, size_t buflen)
{
	char s[ROA_PREFIX_STRLEN], *c;

	roa_prefix_format(&a->p, s, sizeof(s));
	for (c = s; *c; c++)
		if (*c == '.' || *c == ':')
			*c = '_';
		else if (*c == '/')
			*c = '-';
	/* "AS64512-10_1_4_0-22.roa", "AS64512-2001_db8_1__-48-56.roa" */
	snprintf(buf, buflen, "AS%u-%s.roa", a->asid, s);
}

/* The ROA at path, decoded: -1 if it is no ROA. */
static int
roa_read(const char *path, uint32_t *as, struct roa_prefix **v, size_t *n, X509 **ee,
	 char *why, size_t whylen)
{
	unsigned char *ec;
	long eclen;
	int r;

	if (object_open(path, OID_CT_ROA, &ec, &eclen, ee, why, whylen) == -1)
		return -1;
	r = roa_econtent_decode(ec, eclen, as, v, n, why, whylen);
	free(ec);
	if (r == -1) {
		X509_free(*ee);
		*ee = NULL;
	}
	return r;
}

/* Delete the file named and revoke its EE certificate. */
static void
withdraw(struct ca *ca, const char *name)
{
	char *path = path_join(ca->repo, name), why[256];
	uint32_t as;
	struct roa_prefix *v;
	size_t n;
	X509 *ee = NULL;

	if (roa_read(path, &as, &v, &n, &ee, why, sizeof(why)) == 0) {
		if (ee != NULL)
			ee_revoke(ca, X509_get0_serialNumber(ee));
		free(v);
		X509_free(ee);
	}
	if (unlink(path) == -1 && errno != ENOENT)
		die("cannot remove %s: %s", path, strerror(errno));
	free(path);
}

static void
roa_add(struct ca *ca, const struct auth *a)
{
	char name[256], s[ROA_PREFIX_STRLEN], *path;
	unsigned char *der;
	int derlen;
	time_t not_after = opt.now + (time_t)opt.ee_days * 86400;

	check_resources(ca, a);
	roa_prefix_format(&a->p, s, sizeof(s));
	if (a->p.maxlen > a->p.len)
	{
		struct roa_prefix bare = a->p;
		char b[ROA_PREFIX_STRLEN];

		bare.maxlen = bare.len;
		roa_prefix_format(&bare, b, sizeof(b));
		warnx("note: maxLength %d also authorises every more-specific of %s down to /%d "
		      "for AS%u. RFC 9319: use a maxLength only for prefixes you announce.",
		      a->p.maxlen, b, a->p.maxlen, a->asid);
	}
	auth_filename(a, name, sizeof(name));
	path = path_join(ca->repo, name);
	if (access(path, F_OK) == 0)
		withdraw(ca, name);	/* re-issue: revoke the old EE */
	free(path);
	if ((der = roa_econtent_encode(a->asid, &a->p, 1, &derlen)) == NULL)
		die("cannot encode the ROA for %s", s);
	sign_object(ca, name, OID_CT_ROA, der, derlen, &a->p, 1, not_after);
	OPENSSL_free(der);
	printf("added %s => %u as %s\n", s, a->asid, name);
}

/* Remove every ROA that holds exactly this authorization (one prefix). */
static void
roa_remove(struct ca *ca, const struct auth *a)
{
	char **names, s[ROA_PREFIX_STRLEN], why[256];
	size_t n, found = 0;

	roa_prefix_format(&a->p, s, sizeof(s));
	names = repo_list(ca, ".roa", &n);
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(ca->repo, names[i]);
		uint32_t as;
		struct roa_prefix *v;
		size_t nv;
		X509 *ee = NULL;

		if (roa_read(path, &as, &v, &nv, &ee, why, sizeof(why)) == 0) {
			if (as == a->asid && nv == 1 && roa_prefix_cmp(&v[0], &a->p) == 0) {
				withdraw(ca, names[i]);
				printf("removed %s => %u (%s)\n", s, a->asid, names[i]);
				found++;
			}
			free(v);
			X509_free(ee);
		}
		free(path);
	}
	free_list(names, n);
	if (found == 0)
		die("no ROA for %s => %u in %s (see: %s list)", s, a->asid, ca->repo, progname);
}

static void
print_time(const char *label, const ASN1_TIME *t)
{
	BIO *b = BIO_new_fp(stdout, BIO_NOCLOSE);

	printf("%s", label);
	ASN1_TIME_print(b, t);
	BIO_free(b);
}

static void
cmd_list(struct ca *ca)
{
	char **names, why[256];
	size_t n;

	names = repo_list(ca, ".roa", &n);
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(ca->repo, names[i]);
		uint32_t as;
		struct roa_prefix *v;
		size_t nv;
		X509 *ee = NULL;

		if (roa_read(path, &as, &v, &nv, &ee, why, sizeof(why)) == -1) {
			printf("%-40s  (%s: %s)\n", "?", names[i], why);
		} else {
			for (size_t j = 0; j < nv; j++) {
				char s[ROA_PREFIX_STRLEN], line[ROA_PREFIX_STRLEN + 32];

				roa_prefix_format(&v[j], s, sizeof(s));
				if (v[j].maxlen == v[j].len)
					snprintf(line, sizeof(line), "%s-%d => %u", s, v[j].len, as);
				else
					snprintf(line, sizeof(line), "%s => %u", s, as);
				printf("%-40s  %s", line, names[i]);
				if (ee != NULL)
					print_time("  EE valid until ", X509_get0_notAfter(ee));
				printf("\n");
			}
			free(v);
			X509_free(ee);
		}
		free(path);
	}
	if (n == 0)
		printf("no ROAs in %s\n", ca->repo);
	free_list(names, n);
}

static int
cmd_show(int argc, char **argv)
{
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		char why[256];
		uint32_t as;
		struct roa_prefix *v;
		size_t nv;
		X509 *ee = NULL;

		if (roa_read(argv[i], &as, &v, &nv, &ee, why, sizeof(why)) == -1) {
			fprintf(stderr, "%s: %s: %s\n", progname, argv[i], why);
			rc = 1;
			continue;
		}
		printf("%s\n  asID:       %u\n", argv[i], as);
		for (size_t j = 0; j < nv; j++) {
			char s[ROA_PREFIX_STRLEN];
			struct roa_prefix p = v[j];

			p.maxlen = p.len;
			roa_prefix_format(&p, s, sizeof(s));
			printf("  prefix:     %s maxLength %d\n", s, v[j].maxlen);
		}
		if (ee != NULL) {
			printf("  EE issuer:  ");
			fflush(stdout);
			X509_NAME_print_ex_fp(stdout, X509_get_issuer_name(ee), 0, XN_FLAG_ONELINE);
			printf("\n");
			print_time("  notBefore:  ", X509_get0_notBefore(ee));
			print_time("\n  notAfter:   ", X509_get0_notAfter(ee));
			printf("\n");
		}
		free(v);
		X509_free(ee);
	}
	return rc;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: %s [options] COMMAND [ARGS]\n"
"\n"
"Create and publish ROAs (RFC 9582) under your RPKI CA, like Krill's `roas update`.\n"
"After every change the CRL and the manifest (RFC 9286) of your publication point\n"
"are regenerated.\n"
"\n"
"commands:\n"
"  add AUTH...          create (or re-issue) one ROA per authorization\n"
"  remove AUTH...       withdraw the ROAs holding exactly these authorizations\n"
"  update [--add AUTH]... [--remove AUTH]...   both in one go\n"
"  list                 the ROAs in your publication point\n"
"  show FILE.roa...     decode ROA files (any, also ones made by hand)\n"
"  publish              only regenerate CRL and manifest (after adding files by hand)\n"
"\n"
"AUTH is \"PREFIX[-MAXLENGTH] => ASN\" (quote it: > is special to the shell), e.g.\n"
"  \"10.1.4.0/22 => 64512\"   \"2001:db8:1::/48-48 => AS64512\"; or PREFIX ASN as two words.\n"
"\n"
"options:\n"
"  --ca FILE            the CA description (default: $LABHUB_ROA_CA, else ~/rpki/ca/ca.conf)\n"
"  --force              create a ROA even for prefixes outside your CA's resources\n"
"  --ee-days N          ROA EE certificate validity in days (default 365)\n"
"  --mft-days N         manifest next update in days (default 7)\n"
"  --crl-days N         CRL next update in days (default: as --mft-days)\n"
"  --mft-ee-days N      validity of the manifest's EE certificate (default: as --mft-days)\n"
"  --backdate DAYS      sign as if the clock were DAYS days behind (to make expired\n"
"                       objects on purpose, for exercises and tests)\n"
"  -h, --help           this text\n",
	progname);
}

int
main(int argc, char **argv)
{
	enum { O_CA = 256, O_FORCE, O_EE_DAYS, O_MFT_DAYS, O_CRL_DAYS, O_MFT_EE_DAYS, O_BACKDATE, O_ADD, O_REMOVE };
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, O_CA },
		{ "force", no_argument, NULL, O_FORCE },
		{ "ee-days", required_argument, NULL, O_EE_DAYS },
		{ "mft-days", required_argument, NULL, O_MFT_DAYS },
		{ "crl-days", required_argument, NULL, O_CRL_DAYS },
		{ "mft-ee-days", required_argument, NULL, O_MFT_EE_DAYS },
		{ "backdate", required_argument, NULL, O_BACKDATE },
		{ "add", required_argument, NULL, O_ADD },
		{ "remove", required_argument, NULL, O_REMOVE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct auth adds[MAX_AUTHS], removes[MAX_AUTHS];
	size_t nadd = 0, nrem = 0;
	const char *conf = getenv("LABHUB_ROA_CA"), *cmd;
	char *defconf = NULL;
	struct ca ca = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case O_CA:
			conf = optarg;
			break;
		case O_FORCE:
			opt.force = 1;
			break;
		case O_EE_DAYS:
		case O_MFT_DAYS:
		case O_CRL_DAYS:
		case O_MFT_EE_DAYS:
		case O_BACKDATE: {
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < 0 || v > 36500) {
				fprintf(stderr, "%s: %s needs a number of days (0 to 36500)\n",
					progname, argv[optind - 1]);
				return 2;
			}
			if (c == O_EE_DAYS)
				opt.ee_days = (int)v;
			else if (c == O_MFT_DAYS)
				opt.mft_days = (int)v;
			else if (c == O_CRL_DAYS)
				opt.crl_days = (int)v;
			else if (c == O_MFT_EE_DAYS)
				opt.mft_ee_days = (int)v;
			else
				opt.backdate = v;
			break;
		}
		case O_ADD:
		case O_REMOVE:
			if ((c == O_ADD ? nadd : nrem) == MAX_AUTHS)
				die("too many authorizations at once");
			parse_auth(optarg, c == O_ADD ? &adds[nadd++] : &removes[nrem++]);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	opt.now = time(NULL) - (time_t)opt.backdate * 86400;

	if (strcmp(cmd, "show") == 0) {
		if (optind >= argc)
			die("show: name one or more .roa files");
		return cmd_show(argc - optind, argv + optind);
	}
	if (strcmp(cmd, "update") == 0) {
		/* Krill style: options after the command word, too. */
		while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
			if (c == O_ADD && nadd < MAX_AUTHS)
				parse_auth(optarg, &adds[nadd++]);
			else if (c == O_REMOVE && nrem < MAX_AUTHS)
				parse_auth(optarg, &removes[nrem++]);
			else {
				usage(stderr);
				return 2;
			}
		}
		if (optind < argc || nadd + nrem == 0)
			die("update: give --add \"PREFIX => ASN\" and/or --remove \"PREFIX => ASN\"");
	} else if (strcmp(cmd, "add") == 0 || strcmp(cmd, "remove") == 0) {
		struct auth *v = cmd[0] == 'a' ? adds : removes;
		size_t *nv = cmd[0] == 'a' ? &nadd : &nrem;

		if (optind >= argc)
			die("%s: give one or more \"PREFIX[-MAXLENGTH] => ASN\"", cmd);
		*nv += collect_auths(argc - optind, argv + optind, v + *nv, MAX_AUTHS - *nv);
	} else if (strcmp(cmd, "list") != 0 && strcmp(cmd, "publish") != 0) {
		fprintf(stderr, "%s: unknown command '%s' (add, remove, update, list, show, publish; "
			"see %s --help)\n", progname, cmd, progname);
		return 2;
	} else if (optind < argc) {
		die("%s takes no arguments", cmd);
	}

	if (conf == NULL) {
		const char *home = getenv("HOME");

		if (asprintf(&defconf, "%s/rpki/ca/ca.conf", home ? home : ".") < 0)
			die("out of memory");
		conf = defconf;
	}
	ca_load(&ca, conf);
	if (strcmp(cmd, "list") == 0) {
		cmd_list(&ca);
	} else {
		for (size_t i = 0; i < nrem; i++)
			roa_remove(&ca, &removes[i]);
		for (size_t i = 0; i < nadd; i++)
			roa_add(&ca, &adds[i]);
		publish(&ca);
	}
	/* Error paths exit through die() without freeing: a short-lived tool. */
	ca_free(&ca);
	free(defconf);
	return 0;
}
