package s3source

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// MaxPublishBytes is the largest index Publish uploads: the limit of one
// S3 PutObject (5 GiB). A single PUT is what makes the upload atomic for
// readers; an index that large is far beyond what one server should load.
const MaxPublishBytes = 5 << 30

// ContentType is the media type index objects are stored with.
const ContentType = "application/vnd.knowledge-mcp.index"

// Publish uploads the index file at path to loc with one PutObject, which
// S3 applies atomically: a reader of loc sees the previous object or this
// one, never a part of it. It returns the new version's size and ETag.
func Publish(ctx context.Context, client API, path string, loc Location) (Version, error) {
	f, err := os.Open(path)
	if err != nil {
		return Version{}, fmt.Errorf("publish %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Version{}, fmt.Errorf("publish %s: %w", path, err)
	}
	if info.Size() > MaxPublishBytes {
		return Version{}, fmt.Errorf("publish %s: %d bytes is more than one S3 PUT takes (%d); split the folder into several knowledge bases", path, info.Size(), int64(MaxPublishBytes))
	}
	out, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(loc.Bucket),
		Key:           aws.String(loc.Key),
		Body:          f,
		ContentLength: aws.Int64(info.Size()),
		ContentType:   aws.String(ContentType),
	})
	if err != nil {
		return Version{}, fmt.Errorf("publish %s: %w", path, describe(loc, "write", err))
	}
	return Version{ETag: etagOf(out.ETag), Size: info.Size(), VersionID: aws.ToString(out.VersionId)}, nil
}
