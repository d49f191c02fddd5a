package template_test

import (
	"fmt"

	"github.com/knowledge-mcp/knowledge-mcp/internal/verify/template"
)

// A distribution left at the CDK default origin protocol policy (HTTPS) in
// front of an HTTP-only load balancer: the 504 of pitfall P1, found before
// anything is deployed.
func ExampleCheck() {
	t, err := template.Parse([]byte(`
Resources:
  Alb: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer}
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties: {LoadBalancerArn: !Ref Alb, Port: 80, Protocol: HTTP}
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Origins:
          - {Id: alb, DomainName: !GetAtt Alb.DNSName, CustomOriginConfig: {OriginProtocolPolicy: https-only}}
        DefaultCacheBehavior:
          TargetOriginId: alb
          ViewerProtocolPolicy: redirect-to-https
          AllowedMethods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
          CachePolicyId: 4135ea2d-6df8-44a3-9df3-4b5a84be39ad
          OriginRequestPolicyId: b689b0a8-53d0-40ab-baf2-68738e2966ac
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	report := template.Check(t, "inline")
	c := report.Check("origin-protocol")
	fmt.Println(c.Status, "-", c.Summary)
	fmt.Println(c.Diagnoses[0].Pitfall, c.Diagnoses[0].Pattern)
	fmt.Println("ok:", report.OK)
	// Output:
	// fail - origin alb: protocol policy https-only but load balancer Alb has no HTTPS listener
	// P1 template-origin-protocol
	// ok: false
}
