package main

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func asExitError(err error, target **exec.ExitError) bool { return errors.As(err, target) }

func newReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

// connect opens a Go SDK client session to the server at url (its /mcp),
// and the context its calls run under; both end with the test.
func connect(t *testing.T, url string) (*mcp.ClientSession, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	client := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url + "/mcp"}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs, ctx
}
