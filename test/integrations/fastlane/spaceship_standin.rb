# frozen_string_literal: true

# A stand-in for the parts of fastlane's Spaceship that touch `Spaceship::ConnectAPI.token`, written after
# fastlane's sources (spaceship/lib/spaceship/connect_api/{spaceship,client,api_client,token_refresh_middleware}.rb
# and deliver/pilot's transporter_for_selected_team), used the way they use it:
#
# - `Spaceship::ConnectAPI.token = token` builds a client around the token;
# - the client's `in_house?` raises when `token.in_house` is nil and picks the API host with it;
# - TokenRefreshMiddleware, before every request: `token.refresh! if token.expired?`, then
#   `Authorization: Bearer #{token.text}`;
# - the API client's retry: on a 401, `token.refresh!` and try again (up to 5 tries);
# - deliver/pilot set up an upload from `token.key_id`, `token.issuer_id` and `token.key_raw`.
#
# It runs the scenarios test/integrations/fastlane.test.ts names and prints one JSON line per scenario with what it
# observed (token hashes, never tokens). Requests go to FAKE_APPLE (a loopback App Store Connect the test runs).

require 'digest'
require 'tmpdir'
require 'json'
require 'net/http'
require 'uri'
require_relative ENV.fetch('PROVIDER')

# Time moves on when a scenario says so (instead of the test sleeping until a token is due for refresh).
module FakeClock
  @offset = 0
  class << self
    attr_accessor :offset
  end
end
Time.singleton_class.prepend(Module.new do
  def now(*args, **kwargs)
    super(*args, **kwargs) + FakeClock.offset
  end
end)

module Spaceship
  class UnauthorizedAccessError < StandardError; end

  # As spaceship/lib/spaceship/connect_api/token_refresh_middleware.rb.
  class TokenRefreshMiddleware
    attr_reader :refreshes

    def initialize(app, token)
      @app = app
      @token = token
      @refreshes = 0
    end

    def call(env)
      if @token.expired?
        @refreshes += 1
        @token.refresh!
      end
      env[:headers]['Authorization'] = "Bearer #{@token.text}"
      @app.call(env)
    end
  end

  class ConnectAPI
    class << self
      attr_accessor :client

      def token=(token)
        @client = Client.new(token: token)
      end

      def token
        @client&.token
      end
    end

    class Client
      attr_reader :token, :middleware, :retries

      def initialize(token:)
        @token = token
        @middleware = TokenRefreshMiddleware.new(method(:send_request), token)
        @retries = 0
      end

      # As ConnectAPI::Client#in_house?: a token must say whether it is an Enterprise one.
      def in_house?
        raise 'Cannot determine if team is App Store or Enterprise via the App Store Connect API (yet)' if token.in_house.nil?

        !!token.in_house
      end

      # As APIClient#hostname.
      def hostname
        token.in_house ? 'https://api.enterprise.developer.apple.com/' : 'https://api.appstoreconnect.apple.com/'
      end

      # As APIClient#get with with_asc_retry: a 401 refreshes the token and tries again.
      def get(path)
        tries = 5
        begin
          env = { path: path, headers: {} }
          response = @middleware.call(env)
          raise UnauthorizedAccessError, 'Unauthorized' if response.code == '401'

          response
        rescue UnauthorizedAccessError
          tries -= 1
          raise if tries.zero?

          @retries += 1
          @token.refresh!
          retry
        end
      end

      private

      def send_request(env)
        uri = URI.join(ENV.fetch('FAKE_APPLE'), env[:path])
        request = Net::HTTP::Get.new(uri)
        env[:headers].each { |name, value| request[name] = value }
        Net::HTTP.start(uri.host, uri.port) { |http| http.request(request) }
      end
    end
  end
end

def sha(text)
  Digest::SHA256.hexdigest(text.to_s)[0, 16]
end

def report(scenario, fields)
  puts JSON.generate({ scenario: scenario }.merge(fields))
  $stdout.flush
end

def error_of
  yield
  nil
rescue StandardError => e
  { class: e.class.name, message: e.message }
end

scenarios = ARGV

if scenarios.include?('spaceship')
  token = AscTokenVending::SpaceshipToken.new # profile and URL from ASC_TOKEN_PROFILE / ASC_TOKEN_URL
  Spaceship::ConnectAPI.token = token
  client = Spaceship::ConnectAPI.client
  report('set', in_house: client.in_house?, hostname: client.hostname, key_id: token.key_id, issuer_id: token.issuer_id,
                duration: token.duration, expiration: token.expiration.utc.iso8601, refresh_after: token.refresh_after.utc.iso8601,
                expired: token.expired?, text: sha(token.text), inspect: token.inspect)

  first = client.get('/v1/apps?limit=1')
  report('get', status: first.code, text: sha(token.text), refreshes: client.middleware.refreshes)

  before = token.text
  FakeClock.offset = token.refresh_after - Time.now + 1 # past refreshAfter, as a long lane would be
  expired = token.expired?
  after_expiry = client.get('/v1/apps?limit=1')
  report('expiry', expired_before: expired, status: after_expiry.code, before: sha(before), after: sha(token.text),
                   refreshes: client.middleware.refreshes, expired_after: token.expired?)

  before = token.text
  revoked = client.get('/v1/apps?revoke=1') # the fake answers 401 once per token on this path
  report('unauthorized', status: revoked.code, before: sha(before), after: sha(token.text), retries: client.retries)

  FakeClock.offset = token.refresh_after - (Time.now - FakeClock.offset) + 1
  before = token.text
  threads = Array.new(6) { Thread.new { client.get('/v1/apps?limit=1').code } }
  statuses = threads.map(&:value)
  report('concurrent', statuses: statuses.uniq, before: sha(before), after: sha(token.text))

  # deliver / pilot: transporter_for_selected_team builds an api_key hash from the token, and the altool executor
  # writes its key to AuthKey_KEYID.p8 itself (File.write, not write_key_to_file): a vended token must stop that
  # at key_raw, before a key file exists, not leave an empty one for altool to choke on.
  key_dir = Dir.mktmpdir
  key_file = File.join(key_dir, "AuthKey_#{token.key_id}.p8")
  upload = error_of do
    api_key = { key_id: token.key_id, issuer_id: token.issuer_id, key: token.key_raw, in_house: token.in_house }
    File.write(key_file, api_key[:key])
  end
  report('transporter', upload: upload, key_file: File.exist?(key_file),
                        write_key: error_of { token.write_key_to_file(File.join(key_dir, 'AuthKey.p8')) })

  # A refresh that fails keeps the token Spaceship already holds.
  kept = token.text
  token.instance_variable_set(:@url, ENV.fetch('CLOSED_URL'))
  report('refresh_fails', error: error_of { token.refresh! }, kept: token.text == kept)
end

if scenarios.include?('enterprise')
  token = AscTokenVending::SpaceshipToken.new(profile: 'enterprise')
  Spaceship::ConnectAPI.token = token
  report('enterprise', in_house: Spaceship::ConnectAPI.client.in_house?, hostname: Spaceship::ConnectAPI.client.hostname)
end

if scenarios.include?('failures')
  report('refused', error: error_of { AscTokenVending::SpaceshipToken.new(profile: 'other-team') })
  report('no_profile', error: error_of do
    ENV.delete('ASC_TOKEN_PROFILE')
    AscTokenVending::SpaceshipToken.new
  end)
  report('shell', error: error_of { AscTokenVending::SpaceshipToken.new(profile: "release; touch #{ENV.fetch('PWNED')}") },
                  pwned: File.exist?(ENV.fetch('PWNED')))
  report('missing_cli', error: error_of do
    ENV['ASC_TOKEN_CLI'] = '/nonexistent/asc-token'
    AscTokenVending::SpaceshipToken.new(profile: 'release')
  end)
  report('not_json', error: error_of do
    ENV['ASC_TOKEN_CLI'] = '/bin/echo'
    AscTokenVending::SpaceshipToken.new(profile: 'release')
  end)
  report('leaky_cli', error: error_of do
    ENV['ASC_TOKEN_CLI'] = ENV.fetch('LEAKY_CLI')
    AscTokenVending::SpaceshipToken.new(profile: 'release')
  end)
end
