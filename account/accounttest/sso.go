package accounttest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
)

// Certificate returns a self-signed X.509 certificate for subject (its
// common name), valid from notBefore to notAfter, in PEM: the canonical
// form an account keeps. The same arguments always give the same
// certificate: its Ed25519 key is derived from subject, so tests and test
// vectors can hold it. The key is not secret and signs nothing else.
func Certificate(subject string, notBefore, notAfter time.Time) string {
	seed := sha256.Sum256([]byte("accounttest certificate key: " + subject))
	key := ed25519.NewKeyFromSeed(seed[:])
	serial := new(big.Int).SetBytes(seed[:8])
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: subject, Organization: []string{"entaccess test"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil { // a template this simple always signs
		panic(fmt.Sprintf("accounttest: certificate for %q: %v", subject, err))
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// Dates of the certificates of [IdentityProvider] and the providers steps
// draw: valid from 2020 to 2200, or expired since 2021.
var (
	certFrom    = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	certUntil   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	certExpired = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
)

// IdentityProvider returns a valid identity provider for the entity ID
// "https://<host>/saml", with target URLs on host and a certificate from
// [Certificate] valid until the year 2200, in the canonical form an
// account keeps.
func IdentityProvider(host string, enforced bool) account.IdentityProvider {
	return account.IdentityProvider{
		EntityID:     "https://" + host + "/saml",
		SSOTargetURL: "https://" + host + "/saml/sso",
		SLOTargetURL: "https://" + host + "/saml/slo",
		Certificate:  Certificate(host, certFrom, certUntil),
		Enforced:     enforced,
	}
}

// drawIdentityProvider draws the identity provider of a set step: about
// two times in three a valid one, otherwise one with one invalid field.
func drawIdentityProvider(t *rapid.T) account.IdentityProvider {
	p := IdentityProvider(rapid.SampledFrom([]string{"idp.example.com", "sso.example.org"}).Draw(t, "idp host"), rapid.Bool().Draw(t, "enforced"))
	if rapid.IntRange(0, 2).Draw(t, "valid idp") > 0 {
		if rapid.Bool().Draw(t, "no slo") {
			p.SLOTargetURL = ""
		}
		return p
	}
	switch rapid.IntRange(0, 5).Draw(t, "bad idp field") {
	case 0:
		p.EntityID = ""
	case 1:
		p.SSOTargetURL = "http://idp.example.com/saml/sso"
	case 2:
		p.SLOTargetURL = "/saml/slo"
	case 3:
		p.Certificate = "not a certificate"
	case 4:
		p.Certificate = Certificate("expired.example.com", certFrom, certExpired)
	default:
		p.SSOTargetURL = ""
	}
	return p
}
