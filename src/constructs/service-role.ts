/** The trust policy of a role that exactly one AWS service may assume. */
export function trustPolicyFor(servicePrincipal: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: servicePrincipal },
        Action: 'sts:AssumeRole',
      },
    ],
  });
}
