package tfrunner

import (
	"os"
	"testing"

	"dagger/devsecops/ci/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopSharedMoto()
	os.Exit(code)
}
