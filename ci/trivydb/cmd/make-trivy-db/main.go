// make-trivy-db writes a small Trivy vulnerability DB, and can serve DBs
// from an in-memory OCI registry the way Trivy's --db-repository pulls them.
//
//	make-trivy-db -out DIR [-release 12] [-advisory CVE-2099-0001:bash:5.2.15-3:CRITICAL]...
//	    writes DIR/trivy.db, DIR/metadata.json and DIR/db.tar.gz
//	make-trivy-db -serve 127.0.0.1:0 -repo trivy-db-vuln:2=DIR [-repo NAME:TAG=DIR]...
//	    prints "listening on HOST:PORT", logs every request to stderr,
//	    and serves until stdin closes
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"devsecops/trivydb"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	var advisories, repos list
	out := flag.String("out", "", "directory to write trivy.db, metadata.json and db.tar.gz to")
	release := flag.String("release", "12", "Debian major version the advisories apply to")
	serve := flag.String("serve", "", "address to serve an OCI registry on, e.g. 127.0.0.1:0")
	flag.Var(&advisories, "advisory", "ID:SOURCE-PACKAGE:FIXED-VERSION:SEVERITY (repeatable)")
	flag.Var(&repos, "repo", "NAME:TAG=DIR: serve DIR/db.tar.gz as NAME:TAG (repeatable)")
	flag.Parse()
	log.SetFlags(0)
	switch {
	case *out != "":
		if err := write(*out, *release, advisories); err != nil {
			log.Fatalf("make-trivy-db: %v", err)
		}
	case *serve != "":
		if err := serveRepos(*serve, repos); err != nil {
			log.Fatalf("make-trivy-db: %v", err)
		}
	default:
		log.Fatal("make-trivy-db: give -out DIR to write a DB, or -serve ADDR -repo NAME:TAG=DIR to serve DBs")
	}
}

func write(dir, release string, specs []string) error {
	var advs []trivydb.Advisory
	for _, s := range specs {
		a, err := trivydb.ParseAdvisory(s)
		if err != nil {
			return err
		}
		advs = append(advs, a)
	}
	if err := trivydb.Write(dir, release, advs, time.Now()); err != nil {
		return err
	}
	archive, err := trivydb.Archive(dir)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "db.tar.gz"), archive, 0o644)
}

func serveRepos(addr string, repos []string) error {
	if len(repos) == 0 {
		return fmt.Errorf("-serve needs at least one -repo NAME:TAG=DIR")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	host := ln.Addr().String()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	// Every request is logged so a test can tell whether Trivy pulled the DB.
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Printf("request %s %s", r.Method, r.URL.Path)
		reg.ServeHTTP(w, r)
	})
	go func() { _ = http.Serve(ln, logged) }()
	for _, spec := range repos {
		ref, dir, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("-repo %q: want NAME:TAG=DIR", spec)
		}
		archive, err := os.ReadFile(filepath.Join(dir, "db.tar.gz"))
		if err != nil {
			return fmt.Errorf("-repo %q: %w (make it with -out first)", spec, err)
		}
		img, err := trivydb.Artifact(archive)
		if err != nil {
			return err
		}
		tag, err := name.NewTag(host+"/"+ref, name.Insecure)
		if err != nil {
			return fmt.Errorf("-repo %q: %w", spec, err)
		}
		if err := remote.Write(tag, img); err != nil {
			return fmt.Errorf("pushing %s: %w", tag, err)
		}
	}
	log.Printf("pushed %d DB(s)", len(repos))
	fmt.Printf("listening on %s\n", host)
	// Serve until the caller closes stdin (a test's cleanup) or kills us.
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}
