# frozen_string_literal: true

# asc-token-vending for fastlane: an App Store Connect token provider that Spaceship accepts as
# `Spaceship::ConnectAPI.token`, so match, pilot, deliver, cert and sigh run on tokens vended by the service and
# the .p8 key stays out of the CI job.
#
#   require_relative '../node_modules/asc-token-vending/integrations/fastlane/asc_token_vending'
#
#   before_all do
#     Spaceship::ConnectAPI.token = AscTokenVending::SpaceshipToken.new(profile: 'release')
#   end
#
# Each token comes from `asc-token token PROFILE --output json` (the package's CLI, signing with the job's AWS
# credentials), run directly, never through a shell. The object answers what Spaceship asks of its token:
#
# - `text`: the JWT, sent as `Authorization: Bearer …` (Spaceship::TokenRefreshMiddleware);
# - `expired?` / `refresh!`: the middleware refreshes an expired token before each request, and the API client
#   calls `refresh!` after a 401 before retrying; `expired?` turns true at the service's `refreshAfter`, so no
#   request leaves with a token about to lapse;
# - `in_house`: true for an Enterprise Program profile (Spaceship picks the API host with it and refuses nil);
# - `key_id`, `issuer_id`, `duration`, `expiration`: as Spaceship's own Token has them (deliver and pilot read
#   `key_id`/`issuer_id` when they set up an upload; `expiration` appears in Spaceship's verbose log);
# - `key_raw` and `write_key_to_file` raise AscTokenVending::Error: there is no key here. Binary uploads through altool or
#   Transporter need the .p8 itself (docs/fastlane.md#actions-that-still-need-the-key).
#
# Needs Ruby's standard library only.

require 'base64'
require 'json'
require 'open3'
require 'time'

module AscTokenVending
  # The CLI failed, or printed something that is not a token response. The message never contains a token.
  class Error < StandardError; end

  class SpaceshipToken
    # A compact JWS: three base64url parts.
    JWT = /\A[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\z/.freeze
    # Any JWT-shaped run in text that is about to go into an error message.
    JWT_IN_TEXT = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/.freeze
    ENTERPRISE_AUDIENCE = 'apple-developer-enterprise-v1'
    NO_KEY = 'a vended token has no .p8: binary uploads through altool or Transporter (pilot, deliver with an ipa or pkg) ' \
             'need the key itself. Upload the binary with `asc-token upload` and run pilot with distribute_only: true ' \
             '(deliver: skip_binary_upload: true); docs/fastlane.md#actions-that-still-need-the-key'

    attr_reader :profile, :url, :key_id, :issuer_id, :text, :expiration, :duration, :refresh_after
    # Spaceship reads it (and its own Token lets callers set it); set from the profile's API on each refresh.
    attr_accessor :in_house

    # @param profile [String, nil] the service profile; defaults to ENV['ASC_TOKEN_PROFILE']
    # @param url [String, nil] the service's API base URL with the stage; defaults to ENV['ASC_TOKEN_URL'] (which the
    #   CLI reads itself when neither is given)
    # @raise [ArgumentError] no profile
    # @raise [AscTokenVending::Error] the first token could not be had (fails at set-up, not mid-lane)
    def initialize(profile: nil, url: nil)
      @profile = present(profile) || present(ENV['ASC_TOKEN_PROFILE'])
      raise ArgumentError, 'AscTokenVending::SpaceshipToken needs a profile: pass profile: or set ASC_TOKEN_PROFILE' if @profile.nil?

      @url = present(url) || present(ENV['ASC_TOKEN_URL'])
      @cli = cli_command
      @lock = Mutex.new
      @generation = 0
      refresh!
    end

    # A new token from the service. Concurrent callers (deliver uploads screenshots from several threads, each
    # request asking `expired?` first) share one CLI run: a caller that finds a refresh under way waits for it and
    # takes its token.
    # @return [String] the new token text
    # @raise [AscTokenVending::Error] when the CLI fails; the previous token stays in place
    def refresh!
      seen = @generation
      @lock.synchronize do
        return @text if @generation != seen

        apply(fetch)
        @generation += 1
        @text
      end
    end

    # True from the service's refreshAfter on (before the token itself expires).
    def expired?
      @refresh_after.nil? || Time.now >= @refresh_after
    end

    # Spaceship's Token keeps the .p8 here, and deliver and pilot read it only to hand it to altool or Transporter
    # for a binary upload (they write AuthKey_KEYID.p8 themselves). A vended token has no key: stop there, clearly,
    # rather than let them write an empty key file that altool then refuses with its own confusing error.
    def key_raw
      raise Error, NO_KEY
    end

    def write_key_to_file(_path)
      raise Error, NO_KEY
    end

    def inspect
      "#<#{self.class.name} profile=#{@profile.inspect} key_id=#{@key_id.inspect} expiration=#{@expiration&.iso8601.inspect}>"
    end
    alias to_s inspect

    private

    def present(value)
      value = value.to_s.strip
      value.empty? ? nil : value
    end

    # `asc-token` on PATH, or ASC_TOKEN_CLI: an executable, or a .mjs/.js file run with node (dist/cli.mjs of a
    # checkout).
    def cli_command
      cli = present(ENV['ASC_TOKEN_CLI']) || 'asc-token'
      cli.match?(/\.(m|c)?js\z/) ? ['node', cli] : [cli]
    end

    def argv
      args = ['token', @profile, '--output', 'json']
      args += ['--url', @url] if @url
      @cli + args
    end

    def fetch
      command = argv
      # [program, argv0] makes Ruby exec the program directly: no shell, whatever the arguments hold.
      stdout, stderr, status = Open3.capture3([command.first, command.first], *command.drop(1))
      unless status.success?
        raise Error, "`asc-token token #{@profile}` failed (exit #{status.exitstatus || status.termsig}): #{summary(stderr)}"
      end

      parse(stdout)
    rescue Errno::ENOENT, Errno::EACCES => e
      raise Error, "cannot run #{command.first.inspect} (#{e.class.name.split('::').last}): install asc-token-vending " \
                   '(asc-token on PATH) or set ASC_TOKEN_CLI to the CLI'
    end

    # The CLI's error output (code, detail, hint) without anything shaped like a token, kept short.
    def summary(stderr)
      text = stderr.to_s.gsub(JWT_IN_TEXT, '[redacted]').strip
      text = text[0, 2000] if text.length > 2000
      text.empty? ? 'no error output' : text
    end

    def parse(stdout)
      response = begin
        JSON.parse(stdout)
      rescue JSON::ParserError
        raise Error, "`asc-token token #{@profile} --output json` printed something that is not JSON (is ASC_TOKEN_CLI the asc-token CLI?)"
      end
      raise Error, 'the token response is not a JSON object' unless response.is_a?(Hash)

      token = response['token']
      raise Error, 'the token response has no token of the JWT shape' unless token.is_a?(String) && token.match?(JWT)

      expires_at = instant(response['expiresAt'], 'expiresAt')
      issued_at = instant(response['issuedAt'], 'issuedAt')
      refresh_after = response['refreshAfter'].nil? ? expires_at - 60 : instant(response['refreshAfter'], 'refreshAfter')
      { token: token, key_id: response['keyId'], audience: response['audience'], claims: claims(token),
        issued_at: issued_at, expires_at: expires_at, refresh_after: refresh_after }
    end

    def instant(value, name)
      raise Error, "the token response's #{name} is missing" unless value.is_a?(String)

      Time.iso8601(value)
    rescue ArgumentError
      raise Error, "the token response's #{name} is not an ISO 8601 time"
    end

    # The token's claims (its payload is not secret; its signature makes it a credential).
    def claims(token)
      payload = token.split('.')[1]
      JSON.parse(Base64.urlsafe_decode64(payload + ('=' * ((4 - (payload.length % 4)) % 4))))
    rescue ArgumentError, JSON::ParserError
      raise Error, "the token's payload is not base64url JSON"
    end

    def apply(fresh)
      @text = fresh[:token]
      @key_id = fresh[:key_id].is_a?(String) ? fresh[:key_id] : nil
      @issuer_id = fresh[:claims]['iss'].is_a?(String) ? fresh[:claims]['iss'] : nil
      @expiration = fresh[:expires_at]
      @duration = (fresh[:expires_at] - fresh[:issued_at]).round
      # Due already (a clock behind the service's)? Then halfway to expiry, so Spaceship does not run the CLI again
      # before every request.
      now = Time.now
      @refresh_after = fresh[:refresh_after] > now ? fresh[:refresh_after] : now + [(fresh[:expires_at] - now) / 2, 0].max
      @in_house = fresh[:audience] == ENTERPRISE_AUDIENCE
    end
  end
end
