// Command deploy is the AWS CDK app that deploys knowledge-mcp: one
// `cdk deploy` builds the image, the network, the ECS Fargate service, the
// ALB, CloudFront and optionally an AgentCore Gateway. See docs/deploy.md.
//
// Parameters are CDK context values (cdk deploy -c key=value); stack.Parse
// documents and validates them. Without the cdk CLI, `go run .` synthesizes
// the CloudFormation template into ./cdk.out (no AWS account needed):
//
//	cd deploy && go run . -c region=us-east-1
//
// The cdk CLI passes context through the CDK_CONTEXT_JSON environment
// variable; `go run .` also accepts -c key=value arguments itself.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/knowledge-mcp/knowledge-mcp/deploy/stack"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "deploy:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	ctx, err := contextArgs(args)
	if err != nil {
		return err
	}
	defer jsii.Close()
	props := &awscdk.AppProps{Context: &ctx}
	if os.Getenv("CDK_OUTDIR") == "" {
		props.Outdir = jsii.String("cdk.out")
	}
	app := awscdk.NewApp(props)
	cfg, err := stack.Parse(func(key string) (any, bool) {
		v := app.Node().TryGetContext(jsii.String(key))
		return v, v != nil
	}, os.Getenv)
	if err != nil {
		return err
	}
	if err := newStack(app, cfg); err != nil {
		return err
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	asm := app.Synth(nil)
	for _, s := range *asm.Stacks() {
		fmt.Fprintf(os.Stderr, "synthesized %s\n", *s.TemplateFullPath())
	}
	return nil
}

// newStack adds the stacks to app; a failure while building them (such as
// indexing a -c docs folder) is returned rather than a panic's trace.
func newStack(app awscdk.App, cfg stack.Config) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
				return
			}
			panic(r)
		}
	}()
	stack.New(app, cfg)
	return nil
}

// contextArgs reads -c key=value (or --context key=value) arguments.
func contextArgs(args []string) (map[string]any, error) {
	ctx := map[string]any{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a != "-c" && a != "--context" {
			return nil, fmt.Errorf("unexpected argument %q; use -c key=value", a)
		}
		if i+1 >= len(args) {
			return nil, fmt.Errorf("%s needs key=value", a)
		}
		i++
		k, v, ok := strings.Cut(args[i], "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: want key=value", a, args[i])
		}
		ctx[k] = v
	}
	return ctx, nil
}
