package smoke

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// app serves /healthz and /version like the weather app; version() is read on each request.
func app(t *testing.T, healthCode int, version func() string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(healthCode)
		w.Write([]byte(`{"status": "ok"}`))
	})
	mux.HandleFunc("/version", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"version": "` + version() + `", "revision": "abc"}`))
	})
	// Each server gets its own self-signed certificate, as each deploy does.
	certPEM, keyPEM, err := SelfSigned("app.devsecops.internal", time.Hour)
	require.NoError(t, err)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pins[srv] = certPEM
	return srv
}

var pins = map[*httptest.Server][]byte{}

func certPEM(srv *httptest.Server) []byte { return pins[srv] }

func TestCheckPassesWhenNewVersionAnswers(t *testing.T) {
	var calls atomic.Int32
	// The old version answers first, as while the ALB shifts to the new instance.
	srv := app(t, 200, func() string {
		if calls.Add(1) < 3 {
			return "1.0.0"
		}
		return "1.1.0"
	})
	err := Check(context.Background(), srv.URL, certPEM(srv), "1.1.0", 5*time.Second, 10*time.Millisecond)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, calls.Load(), int32(3))
}

func TestCheckRefusesAnotherCertificate(t *testing.T) {
	srv := app(t, 200, func() string { return "1.1.0" })
	other := app(t, 200, func() string { return "1.1.0" })
	err := Check(context.Background(), srv.URL, certPEM(other), "1.1.0", time.Second, 20*time.Millisecond)
	var se *Error
	require.True(t, errors.As(err, &se), "want *Error, got %v", err)
	assert.Equal(t, "healthz", se.Step)
	assert.Contains(t, se.Last, "certificate")
}

func TestCheckTimesOutOnOldVersion(t *testing.T) {
	srv := app(t, 200, func() string { return "1.0.0" })
	start := time.Now()
	err := Check(context.Background(), srv.URL, certPEM(srv), "1.1.0", time.Second, 20*time.Millisecond)
	var se *Error
	require.True(t, errors.As(err, &se), "want *Error, got %v", err)
	assert.Equal(t, "version", se.Step)
	assert.Contains(t, se.Error(), `still serving`)
	assert.Contains(t, se.Error(), "1.0.0")
	assert.Less(t, time.Since(start), 3*time.Second)
}

func TestCheckFailsAtHealthzOn500(t *testing.T) {
	srv := app(t, 500, func() string { return "1.1.0" })
	err := Check(context.Background(), srv.URL, certPEM(srv), "1.1.0", time.Second, 20*time.Millisecond)
	var se *Error
	require.True(t, errors.As(err, &se), "want *Error, got %v", err)
	assert.Equal(t, "healthz", se.Step)
	assert.Contains(t, se.Last, "HTTP 500")
}

func TestClientRejectsNonCertificatePEM(t *testing.T) {
	_, err := Client([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a PEM CERTIFICATE")
}
