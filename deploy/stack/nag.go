package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppression is one accepted cdk-nag finding and why it is accepted.
type suppression struct {
	id, reason string
	appliesTo  []string
}

// suppress records findings accepted on a construct and its children.
func suppress(construct any, list ...suppression) {
	var s []*cdknag.NagPackSuppression
	for _, x := range list {
		ns := &cdknag.NagPackSuppression{Id: jsii.String(x.id), Reason: jsii.String(x.reason)}
		if len(x.appliesTo) > 0 {
			applies := make([]interface{}, len(x.appliesTo))
			for i, a := range x.appliesTo {
				applies[i] = a
			}
			ns.AppliesTo = &applies
		}
		s = append(s, ns)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(construct, &s, jsii.Bool(true))
}

// addSuppressions accepts the cdk-nag AwsSolutions findings that are
// deliberate in this design, each with its reason.
func addSuppressions(st awscdk.Stack, cfg Config) {
}
