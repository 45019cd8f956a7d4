// Package junit reads and merges JUnit XML reports (as pytest writes them).
package junit

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// Counts summarises a JUnit XML report.
type Counts struct {
	Tests, Failures, Errors, Skipped int
	// Failing names each failed or errored test as "classname::name: message".
	Failing []string
	// SkippedReasons names each skipped test with its reason.
	SkippedReasons []string
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitOutcome `xml:"failure"`
	Error     *junitOutcome `xml:"error"`
	Skipped   *junitOutcome `xml:"skipped"`
}

type junitOutcome struct {
	Message string `xml:"message,attr"`
}

type junitSuite struct {
	Cases  []junitCase  `xml:"testcase"`
	Suites []junitSuite `xml:"testsuite"`
}

// Parse reads a JUnit XML document (a <testsuites> or a single
// <testsuite> root, as pytest and most runners write) and lists what failed.
func Parse(doc []byte) (Counts, error) {
	var root struct {
		XMLName xml.Name
		junitSuite
	}
	if err := xml.Unmarshal(doc, &root); err != nil {
		return Counts{}, fmt.Errorf("reading the JUnit report: %w", err)
	}
	if root.XMLName.Local != "testsuites" && root.XMLName.Local != "testsuite" {
		return Counts{}, fmt.Errorf("reading the JUnit report: root element is <%s>, want <testsuites> or <testsuite>", root.XMLName.Local)
	}
	var c Counts
	c.add(root.junitSuite)
	return c, nil
}

func (c *Counts) add(s junitSuite) {
	for _, tc := range s.Cases {
		c.Tests++
		id := tc.Name
		if tc.Classname != "" {
			id = tc.Classname + "::" + tc.Name
		}
		switch {
		case tc.Failure != nil:
			c.Failures++
			c.Failing = append(c.Failing, withMessage(id, tc.Failure.Message))
		case tc.Error != nil:
			c.Errors++
			c.Failing = append(c.Failing, withMessage(id, tc.Error.Message))
		case tc.Skipped != nil:
			c.Skipped++
			c.SkippedReasons = append(c.SkippedReasons, withMessage(id, tc.Skipped.Message))
		}
	}
	for _, sub := range s.Suites {
		c.add(sub)
	}
}

func withMessage(id, msg string) string {
	msg = strings.TrimSpace(msg)
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		return id
	}
	return id + ": " + msg
}

// rawSuite keeps one <testsuite> element verbatim.
type rawSuite struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Inner   []byte     `xml:",innerxml"`
}

// Merge joins several JUnit documents into one <testsuites> document,
// keeping every <testsuite> element as it was written.
func Merge(docs ...[]byte) ([]byte, error) {
	var out struct {
		XMLName xml.Name   `xml:"testsuites"`
		Suites  []rawSuite `xml:"testsuite"`
	}
	for i, doc := range docs {
		var root struct {
			XMLName xml.Name
			Attrs   []xml.Attr `xml:",any,attr"`
			Inner   []byte     `xml:",innerxml"`
			Suites  []rawSuite `xml:"testsuite"`
		}
		if err := xml.Unmarshal(doc, &root); err != nil {
			return nil, fmt.Errorf("merging JUnit report %d: %w", i+1, err)
		}
		switch root.XMLName.Local {
		case "testsuites":
			out.Suites = append(out.Suites, root.Suites...)
		case "testsuite":
			out.Suites = append(out.Suites, rawSuite{XMLName: root.XMLName, Attrs: root.Attrs, Inner: root.Inner})
		default:
			return nil, fmt.Errorf("merging JUnit report %d: root element is <%s>", i+1, root.XMLName.Local)
		}
	}
	body, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.Write(body)
	b.WriteByte('\n')
	return b.Bytes(), nil
}
