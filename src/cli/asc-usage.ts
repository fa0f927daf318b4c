/** Usage of the App Store Connect commands, apart from their code so that `asc-token --help` loads none of it. */
export const UPLOAD_USAGE = `usage: asc-token upload FILE.ipa|FILE.pkg [--profile P] [--url URL] [--app-id ID | --bundle-id B]
                        [--version V] [--build N] [--platform IOS|MAC_OS|TV_OS|VISION_OS]
                        [--no-wait] [--timeout MIN] [--output text|json] [--verbose]`;
export const EXEC_USAGE = 'usage: asc-token exec [--profile P] [--url URL] [--scope "GET /v1/apps"]... -- COMMAND [ARGS...]';
export const NOTARIZE_USAGE = `usage: asc-token notarize FILE.zip|FILE.dmg|FILE.pkg [--profile P] [--url URL] [--no-wait] [--timeout MIN] [--output text|json] [--verbose]
       asc-token notarize --status ID | --log ID [--profile P] [--url URL] [--output text|json]`;
