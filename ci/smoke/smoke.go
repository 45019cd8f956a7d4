// Package smoke checks a fresh deployment over HTTPS: /healthz answers 200,
// then /version reports the version just deployed. The ALB's certificate is
// self-signed, so it is pinned: the client trusts that one certificate and
// nothing else (never "insecure skip verify").
package smoke

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Error says which step failed and what was last seen.
type Error struct {
	Step string // "healthz" or "version"
	Last string // the last answer or transport error
	Wait time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("smoke test failed at %s after %s: %s", e.Step, e.Wait.Round(time.Second), e.Last)
}

// Client returns an HTTPS client that trusts only the pinned certificate,
// checked against a name the certificate itself carries (the ALB's DNS name
// is not known when the certificate is made).
func Client(pinnedCertPEM []byte) (*http.Client, error) {
	block, _ := pem.Decode(pinnedCertPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("smoke: the pinned certificate is not a PEM CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("smoke: parsing the pinned certificate: %w", err)
	}
	name := cert.Subject.CommonName
	if len(cert.DNSNames) > 0 {
		name = cert.DNSNames[0]
	}
	if name == "" {
		return nil, errors.New("smoke: the pinned certificate names no host (no DNS SAN or common name)")
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: name, MinVersion: tls.VersionTLS12},
		Proxy:           nil,
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
}

// Check polls baseURL/healthz until it answers 200, then baseURL/version
// until it reports {"version": wantVersion}, within timeout overall.
func Check(ctx context.Context, baseURL string, pinnedCertPEM []byte, wantVersion string, timeout, interval time.Duration) error {
	c, err := Client(pinnedCertPEM)
	if err != nil {
		return err
	}
	baseURL = strings.TrimRight(baseURL, "/")
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	steps := []struct {
		name string
		ok   func(code int, body string) bool
	}{
		{"healthz", func(code int, _ string) bool { return code == http.StatusOK }},
		{"version", func(code int, body string) bool {
			return code == http.StatusOK && servedVersion(body) == wantVersion
		}},
	}
	for _, s := range steps {
		last := "no answer yet"
		for {
			code, body, err := get(ctx, c, baseURL+"/"+s.name)
			if err == nil && s.ok(code, body) {
				break
			}
			if err != nil {
				// The request cut short by our own deadline says nothing about
				// the server: keep the last real answer for the report.
				if ctx.Err() == nil || last == "no answer yet" {
					last = err.Error()
				}
			} else {
				last = fmt.Sprintf("HTTP %d: %.200s", code, strings.TrimSpace(body))
				if s.name == "version" && code == http.StatusOK {
					last = fmt.Sprintf("still serving %.100q, want version %s", strings.TrimSpace(body), wantVersion)
				}
			}
			select {
			case <-ctx.Done():
				return &Error{Step: s.name, Last: last, Wait: time.Since(start)}
			case <-time.After(interval):
			}
		}
	}
	return nil
}

// servedVersion reads the app's /version answer: {"version": "1.2.3", ...}.
func servedVersion(body string) string {
	var v struct {
		Version string `json:"version"`
	}
	if json.Unmarshal([]byte(body), &v) != nil {
		return ""
	}
	return v.Version
}

func get(ctx context.Context, c *http.Client, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b), nil
}
