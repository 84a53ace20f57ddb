package account

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/entaccess/entaccess/internal/strictjson"
)

// An IdentityProvider is the account's single sign-on set-up: the SAML
// identity provider its members sign in through, with the fields Heroku's
// Platform API gives its identity-provider resource. entaccess stores,
// validates, guards and records these settings; it does not speak SAML.
//
// Its JSON form, inside a [Spec] under "identity_provider", is an object
// with the lower-case field names of the struct tags, decoded strictly as a
// Spec is.
type IdentityProvider struct {
	// EntityID is the identity provider's SAML entity ID, often a URL: a
	// name by the rules of account and user names (at most 256 bytes).
	EntityID string `json:"entity_id"`
	// SSOTargetURL is where members are sent to sign in: an absolute
	// https URL.
	SSOTargetURL string `json:"sso_target_url"`
	// SLOTargetURL is where members are sent to sign out: an absolute
	// https URL, or "" for an identity provider without single log-out.
	SLOTargetURL string `json:"slo_target_url"`
	// Certificate is the identity provider's X.509 signing certificate in
	// PEM, one CERTIFICATE block. An account keeps it in canonical form:
	// the block alone, re-encoded, without headers or surrounding text.
	Certificate string `json:"certificate"`
	// Enforced says whether members must sign in through the identity
	// provider, rather than being allowed to as well.
	Enforced bool `json:"enforced"`
}

// Limits of the fields of an IdentityProvider, in bytes.
const (
	maxURLLen  = 2048
	maxCertLen = 64 << 10
)

// ErrNoIdentityProvider: the account has no identity provider to remove.
var ErrNoIdentityProvider = errors.New("no identity provider")

// A CertificateInfo describes an identity provider's certificate, for
// display: what a person checks against their identity provider's own
// settings, without the certificate itself.
type CertificateInfo struct {
	Subject   string    // the subject's distinguished name, as in "CN=idp.example.com,O=Example"
	NotBefore time.Time // the certificate is valid from NotBefore to NotAfter, in UTC
	NotAfter  time.Time
	// SHA256 is the certificate's fingerprint: the SHA-256 digest of its
	// DER encoding, in lower-case hexadecimal.
	SHA256 string
}

// CertificateInfo parses p's certificate and describes it. A certificate
// that is not one PEM block holding an X.509 certificate is an error
// wrapping [ErrInvalid].
func (p IdentityProvider) CertificateInfo() (CertificateInfo, error) {
	cert, _, err := parseCertificate(p.Certificate)
	if err != nil {
		return CertificateInfo{}, &PathError{Path: "certificate", Err: err}
	}
	return certInfo(cert), nil
}

func certInfo(cert *x509.Certificate) CertificateInfo {
	sum := sha256.Sum256(cert.Raw)
	return CertificateInfo{
		Subject:   cert.Subject.String(),
		NotBefore: cert.NotBefore.UTC(),
		NotAfter:  cert.NotAfter.UTC(),
		SHA256:    hex.EncodeToString(sum[:]),
	}
}

// identityProvider is an account's identity provider, validated and in
// canonical form, with what is derived from it computed once.
type identityProvider struct {
	spec IdentityProvider // canonical
	text string           // the canonical JSON of spec, as events record it
	cert CertificateInfo
}

// sealIdentityProvider checks the form of p and returns it in canonical
// form. Each error is a *PathError naming the field (sso_target_url) and
// wrapping [ErrInvalid]. It does not check the certificate's dates: a
// step checks them against the time of the change (checkExpiry).
func sealIdentityProvider(p IdentityProvider) (*identityProvider, error) {
	if err := nameErr(p.EntityID, "entity ID"); err != nil {
		return nil, &PathError{Path: "entity_id", Err: err}
	}
	if err := checkHTTPS(p.SSOTargetURL, "SSO target URL"); err != nil {
		return nil, &PathError{Path: "sso_target_url", Err: err}
	}
	if p.SLOTargetURL != "" {
		if err := checkHTTPS(p.SLOTargetURL, "SLO target URL"); err != nil {
			return nil, &PathError{Path: "slo_target_url", Err: err}
		}
	}
	cert, canonical, err := parseCertificate(p.Certificate)
	if err != nil {
		return nil, &PathError{Path: "certificate", Err: err}
	}
	p.Certificate = canonical
	text, err := json.Marshal(p)
	if err != nil { // strings and a bool always marshal
		return nil, &PathError{Err: fmt.Errorf("identity provider: %v: %w", err, ErrInvalid)}
	}
	return &identityProvider{spec: p, text: string(text), cert: certInfo(cert)}, nil
}

// checkExpiry checks that the certificate of p has not expired at now.
func (p *identityProvider) checkExpiry(now time.Time) error {
	if now.After(p.cert.NotAfter) {
		return &PathError{Path: "certificate", Err: fmt.Errorf("certificate %s expired at %s, before %s: %w",
			p.cert.SHA256, p.cert.NotAfter.Format(time.RFC3339), now.UTC().Format(time.RFC3339), ErrInvalid)}
	}
	return nil
}

// checkHTTPS checks that s is an absolute https URL with a host, no user
// information and no fragment.
func checkHTTPS(s, what string) error {
	if s == "" {
		return fmt.Errorf("empty %s: %w", what, ErrInvalid)
	}
	if len(s) > maxURLLen {
		return fmt.Errorf("%s %.40q…: %d bytes, longer than %d: %w", what, s, len(s), maxURLLen, ErrInvalid)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%s %q is not a URL: %w", what, s, ErrInvalid)
	case !u.IsAbs() || u.Opaque != "":
		return fmt.Errorf("%s %q is not an absolute URL: %w", what, s, ErrInvalid)
	case u.Scheme != "https":
		return fmt.Errorf("%s %q: scheme %q, want https: %w", what, s, u.Scheme, ErrInvalid)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%s %q has no host: %w", what, s, ErrInvalid)
	case u.User != nil:
		return fmt.Errorf("%s %q holds user information: %w", what, s, ErrInvalid)
	case strings.ContainsRune(s, '#'):
		return fmt.Errorf("%s %q has a fragment: %w", what, s, ErrInvalid)
	}
	return nil
}

// parseCertificate parses text, one PEM CERTIFICATE block with nothing but
// white space around it, and returns the certificate and text in canonical
// form.
func parseCertificate(text string) (*x509.Certificate, string, error) {
	if text == "" {
		return nil, "", fmt.Errorf("empty certificate: %w", ErrInvalid)
	}
	if len(text) > maxCertLen {
		return nil, "", fmt.Errorf("certificate of %d bytes, longer than %d: %w", len(text), maxCertLen, ErrInvalid)
	}
	block, rest := pem.Decode([]byte(text))
	begin, _, _ := strings.Cut(text, "-----BEGIN")
	switch {
	case block == nil:
		return nil, "", fmt.Errorf("certificate is not PEM: %w", ErrInvalid)
	case strings.TrimSpace(begin) != "":
		return nil, "", fmt.Errorf("certificate: text before the PEM block: %w", ErrInvalid)
	case block.Type != "CERTIFICATE":
		return nil, "", fmt.Errorf("PEM block of type %q, want CERTIFICATE: %w", block.Type, ErrInvalid)
	case len(bytes.TrimSpace(rest)) != 0:
		return nil, "", fmt.Errorf("certificate: text after the PEM block: %w", ErrInvalid)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, "", fmt.Errorf("certificate: %v: %w", err, ErrInvalid)
	}
	canonical := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes})
	return cert, string(canonical), nil
}

// decode decodes an IdentityProvider strictly; see [Spec].
func (p *IdentityProvider) decode(data []byte) error {
	str := func(name string, dst *string) strictjson.Field {
		return strictjson.Field{Name: name, Decode: func(b []byte) error { return decodeString(b, dst) }}
	}
	return decodeObject(data,
		str("entity_id", &p.EntityID),
		str("sso_target_url", &p.SSOTargetURL),
		str("slo_target_url", &p.SLOTargetURL),
		str("certificate", &p.Certificate),
		strictjson.Field{Name: "enforced", Decode: func(b []byte) error { return decodeBool(b, &p.Enforced) }},
	)
}

// UnmarshalJSON decodes an IdentityProvider strictly; see [Spec].
func (p *IdentityProvider) UnmarshalJSON(data []byte) error {
	var v IdentityProvider
	if err := v.decode(data); err != nil {
		return err
	}
	*p = v
	return nil
}

// IdentityProvider returns the account's identity provider, in canonical
// form, and whether it has one. An account has none until a
// [Tx.SetIdentityProvider] or its [Spec] gives it one.
func (a *Account) IdentityProvider() (IdentityProvider, bool) {
	if a == nil || a.idp == nil {
		return IdentityProvider{}, false
	}
	return a.idp.spec, true
}

// idpText is the text an event records for an identity provider: its
// canonical JSON, or "" for none.
func idpText(p *identityProvider) string {
	if p == nil {
		return ""
	}
	return p.text
}

// redactIdentityProvider returns the text an event records for an identity
// provider with the certificate replaced by its fingerprint, as in
//
//	{"entity_id":"https://idp.example.com","sso_target_url":"https://idp.example.com/sso",
//	 "slo_target_url":"","certificate_sha256":"9f86d0…","enforced":true}
//
// "" stays "". Text that is not an identity provider's canonical JSON
// becomes a short note saying so, never the text itself.
func redactIdentityProvider(text string) string {
	if text == "" {
		return ""
	}
	var p IdentityProvider
	if err := p.decode([]byte(text)); err != nil {
		return "(not an identity provider)"
	}
	sum := "(not a certificate)"
	if info, err := p.CertificateInfo(); err == nil {
		sum = info.SHA256
	}
	b, _ := json.Marshal(struct {
		EntityID     string `json:"entity_id"`
		SSOTargetURL string `json:"sso_target_url"`
		SLOTargetURL string `json:"slo_target_url"`
		SHA256       string `json:"certificate_sha256"`
		Enforced     bool   `json:"enforced"`
	}{p.EntityID, p.SSOTargetURL, p.SLOTargetURL, sum, p.Enforced})
	return string(b)
}
