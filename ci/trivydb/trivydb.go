// Package trivydb makes small Trivy vulnerability DBs for tests: a real
// BoltDB written with trivy-db's own pkg/db (the code Trivy reads it with),
// packaged as the OCI artifact Trivy pulls with --db-repository.
//
// It is its own Go module so the Dagger module does not depend on trivy-db.
package trivydb

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	"github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/bucket"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/vulnerability"
	bolt "go.etcd.io/bbolt"
)

// Advisory is one Debian advisory: PkgName is the *source* package name,
// which is what Trivy looks Debian packages up by.
type Advisory struct {
	ID           string // e.g. CVE-2099-0001
	PkgName      string // e.g. bash
	FixedVersion string // empty: not fixed yet
	Severity     string // LOW, MEDIUM, HIGH, CRITICAL
	Title        string
}

// ParseAdvisory reads "ID:PKG:FIXED:SEVERITY" (FIXED may be empty).
func ParseAdvisory(s string) (Advisory, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 || parts[0] == "" || parts[1] == "" {
		return Advisory{}, fmt.Errorf("advisory %q: want ID:SOURCE-PACKAGE:FIXED-VERSION:SEVERITY, e.g. CVE-2099-0001:bash:5.2.15-3:CRITICAL", s)
	}
	if _, err := types.NewSeverity(strings.ToUpper(parts[3])); err != nil {
		return Advisory{}, fmt.Errorf("advisory %q: %w", s, err)
	}
	return Advisory{ID: parts[0], PkgName: parts[1], FixedVersion: parts[2], Severity: strings.ToUpper(parts[3])}, nil
}

// Write creates dir/trivy.db and dir/metadata.json holding the advisories for
// Debian release (major version, e.g. "12"). With none, the DB is valid and empty.
func Write(dir, release string, advisories []Advisory, now time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	_ = os.Remove(db.Path(dir))
	if err := db.Init(dir); err != nil {
		return fmt.Errorf("creating %s: %w", db.Path(dir), err)
	}
	defer db.Close()
	dbc := db.Config{}
	platform := bucket.NewDebian(release).Name()
	err := dbc.BatchUpdate(func(tx *bolt.Tx) error {
		// Trivy needs the platform's data source even when it has no advisories.
		if err := dbc.PutDataSource(tx, platform, types.DataSource{
			ID: vulnerability.Debian, Name: "Debian Security Tracker (test fixture)",
			URL: "https://salsa.debian.org/security-tracker-team/security-tracker",
		}); err != nil {
			return err
		}
		// Creating the platform bucket keeps lookups of a DB without advisories valid.
		if _, err := tx.CreateBucketIfNotExists([]byte(platform)); err != nil {
			return err
		}
		for _, a := range advisories {
			sev, _ := types.NewSeverity(a.Severity)
			if err := dbc.PutAdvisoryDetail(tx, a.ID, a.PkgName, []string{platform}, types.Advisory{FixedVersion: a.FixedVersion}); err != nil {
				return err
			}
			if err := dbc.SaveAdvisoryDetails(tx, a.ID); err != nil {
				return err
			}
			title := a.Title
			if title == "" {
				title = fmt.Sprintf("test advisory for %s", a.PkgName)
			}
			if err := dbc.PutVulnerability(tx, a.ID, types.Vulnerability{
				Title: title, Description: "A made-up advisory from the pipeline's test DB.",
				Severity:       a.Severity,
				VendorSeverity: types.VendorSeverity{vulnerability.Debian: sev},
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing advisories: %w", err)
	}
	// Trivy reads the platform buckets; the staging bucket is dropped as trivy-db does.
	if len(advisories) > 0 {
		if err := dbc.DeleteAdvisoryDetailBucket(); err != nil {
			return err
		}
	}
	return metadata.NewClient(dir).Update(metadata.Metadata{
		Version: db.SchemaVersion, UpdatedAt: now.UTC(),
		// A day ahead: Trivy then re-uses a cached copy instead of pulling again.
		NextUpdate: now.UTC().Add(24 * time.Hour),
	})
}

// Archive is db.tar.gz as Trivy's DB artifact carries it: trivy.db and
// metadata.json at the top level.
func Archive(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range []string{"trivy.db", "metadata.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
