package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/verify"
)

const typeRuntime = "AWS::BedrockAgentCore::Runtime"

// The AgentCore Runtime's contract with an MCP server's container.
const (
	runtimeProtocol = "MCP"
	runtimePort     = "8000"
	runtimePlatform = "linux/arm64"
)

var (
	diagRuntimeProtocol = verify.Diagnosis{Pattern: "template-runtime-protocol",
		Cause: "the runtime's protocol is not MCP (HTTP when ProtocolConfiguration is absent): the platform then proxies to port 8080 at /invocations, and every MCP call fails with 404 or 502",
		Fix:   "set ProtocolConfiguration: MCP (CDK: ProtocolType.MCP)"}
	diagRuntimePort = verify.Diagnosis{Pattern: "template-runtime-port",
		Cause: "with the MCP protocol the platform connects to port 8000; a server on another port (knowledge-mcp's image defaults to 8080) fails the platform's health check (-32010)",
		Fix:   "set EnvironmentVariables PORT: \"8000\" and HOST: \"0.0.0.0\""}
	diagRuntimeArch = verify.Diagnosis{Pattern: "template-runtime-architecture",
		Cause: "AgentCore Runtime runs linux/arm64 containers only; an image for another platform dies at start ('exec format error') and the health check fails",
		Fix:   "build the image for linux/arm64 (CDK: DockerImageAsset Platform LINUX_ARM64; docker buildx build --platform linux/arm64)"}
)

// agentCoreRuntime checks each AgentCore Runtime's protocol, its port and
// host environment, and, from the CDK asset manifest beside a synthesized
// template, the platform its image is built for.
func (c *checker) agentCoreRuntime(ch *verify.Check) {
	rts := c.need(ch, typeRuntime, "no AgentCore Runtime")
	if rts == nil {
		return
	}
	images, manifest, manifestErr := c.assetPlatforms()
	for _, rt := range rts {
		if p := str(rt.Properties["ProtocolConfiguration"]); p != runtimeProtocol {
			ch.Add(verify.Fail, fmt.Sprintf("%s: protocol %s, want MCP", rt.ID, orDefault(p, "not set (HTTP)")), diagRuntimeProtocol)
		} else {
			ch.Evidencef("%s: protocol MCP", rt.ID)
		}
		env, _ := rt.Properties["EnvironmentVariables"].(map[string]any)
		switch port := str(env["PORT"]); port {
		case runtimePort:
			ch.Evidencef("%s: PORT=8000", rt.ID)
		case "":
			ch.Add(verify.Fail, rt.ID+": no PORT in EnvironmentVariables: the image's default (8080) is not the port the platform calls (8000)", diagRuntimePort)
		default:
			ch.Add(verify.Fail, fmt.Sprintf("%s: PORT=%s, want 8000", rt.ID, port), diagRuntimePort)
		}
		if host := str(env["HOST"]); host != "" && host != "0.0.0.0" {
			ch.Add(verify.Fail, fmt.Sprintf("%s: HOST=%s: the platform connects from outside the container's loopback; want 0.0.0.0", rt.ID, host), diagRuntimePort)
		}
		c.runtimeArchitecture(ch, rt, images, manifest, manifestErr)
	}
	ch.Add(verify.Pass, "every AgentCore Runtime speaks MCP on port 8000 from a linux/arm64 image")
}

// runtimeArchitecture finds the platform of the runtime's image among the
// asset manifest's images (the image tag is the asset's hash).
func (c *checker) runtimeArchitecture(ch *verify.Check, rt *Resource, images map[string]string, manifest string, manifestErr error) {
	uri := get(rt.Properties, "AgentRuntimeArtifact", "ContainerConfiguration", "ContainerUri")
	data, _ := json.Marshal(uri)
	for hash, platform := range images {
		if !strings.Contains(string(data), hash) {
			continue
		}
		if platform != runtimePlatform {
			ch.Add(verify.Fail, fmt.Sprintf("%s: image asset %.12s… is built for %s, want linux/arm64", rt.ID, hash, orDefault(platform, "the deploying machine's platform")), diagRuntimeArch)
			return
		}
		ch.Evidencef("%s: image asset %.12s… built for linux/arm64 (%s)", rt.ID, hash, manifest)
		return
	}
	what := "no CDK asset manifest beside the template"
	if manifestErr != nil {
		what = manifestErr.Error()
	} else if manifest != "" {
		what = manifest + " names no image the runtime uses"
	}
	ch.Add(verify.Warn, fmt.Sprintf("%s: the image's platform is not in the template (%s); AgentCore Runtime needs linux/arm64", rt.ID, what), diagRuntimeArch)
}

// assetPlatforms reads the CDK asset manifest beside a synthesized
// template (NAME.template.json → NAME.assets.json): image asset hash →
// the platform it is built for. No manifest is no error.
func (c *checker) assetPlatforms() (map[string]string, string, error) {
	base, ok := strings.CutSuffix(c.name, ".template.json")
	if !ok {
		return nil, "", nil
	}
	path := base + ".assets.json"
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, path, fmt.Errorf("asset manifest: %w", err)
	}
	var m struct {
		DockerImages map[string]struct {
			Source struct {
				Platform string `json:"platform"`
			} `json:"source"`
		} `json:"dockerImages"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, path, fmt.Errorf("asset manifest %s: %w", path, err)
	}
	out := map[string]string{}
	for hash, img := range m.DockerImages {
		out[hash] = img.Source.Platform
	}
	return out, path, nil
}
