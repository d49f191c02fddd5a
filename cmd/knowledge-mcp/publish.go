package main

import (
	"context"
	"fmt"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb/s3source"
)

// publishIndex uploads the index file at path to loc and prints what it
// uploaded.
func publishIndex(ctx context.Context, env *environment, path, name string, loc s3source.Location) error {
	client, err := s3source.NewClient(ctx)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	v, err := s3source.Publish(ctx, client, path, loc)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "published %s: %d bytes, ETag %s", loc, v.Size, v.ETag)
	if v.VersionID != "" {
		fmt.Fprintf(env.stdout, ", version %s", v.VersionID)
	}
	fmt.Fprintf(env.stdout, "\nserve it: knowledge-mcp serve --kb %s=%s\n", name, loc)
	return nil
}
