package tfrunner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFindUsesCachedExactVersion: a binary of exactly the pinned version in
// the cache dir is used without any download (the releases URL is unusable).
func TestFindUsesCachedExactVersion(t *testing.T) {
	bin := terraformBin(t)
	v := terraformVersion(t, bin)
	cache := t.TempDir()
	require.NoError(t, os.Symlink(bin, filepath.Join(cache, "terraform")))

	got, err := Find(context.Background(), v, FindOptions{CacheDir: cache, ReleasesURL: "http://127.0.0.1:1"})
	require.NoError(t, err)
	assert.Equal(t, v, terraformVersion(t, got))
}

// TestFindNamesBothAttempts: a version that is nowhere locally, with the
// releases site unreachable, fails fast with an error naming both places.
func TestFindNamesBothAttempts(t *testing.T) {
	releases := httptest.NewServer(http.NotFoundHandler())
	defer releases.Close()
	cache := t.TempDir()

	start := time.Now()
	_, err := Find(context.Background(), "0.12.31", FindOptions{CacheDir: cache, ReleasesURL: releases.URL, InstallTimeout: 20 * time.Second})
	require.Error(t, err)
	t.Log(err)
	assert.Contains(t, err.Error(), "terraform 0.12.31 is not on PATH or in "+cache)
	assert.Contains(t, err.Error(), "downloading it from "+releases.URL+" failed")
	assert.Less(t, time.Since(start), 20*time.Second)

	_, err = Find(context.Background(), "latest", FindOptions{CacheDir: cache})
	assert.ErrorContains(t, err, "pin an exact version")
}
