/*
 * todo-frontend-start: the entry point of the frontend image, which has no shell.
 *
 * It reads BACKEND_URL (http://host[:port], no path), writes the one line of nginx configuration that
 * names the backend (/tmp/nginx/backend.conf, included by /etc/todo-frontend/nginx.conf), and replaces
 * itself with nginx in the foreground (exec): nginx is PID 1 and gets the container's signals itself
 * (SIGQUIT: finish the requests in flight, then exit). Its own arguments are passed on to nginx
 * (`docker run IMAGE -t` tests the configuration). It writes only under /tmp, so it runs as any
 * non-root UID on a read-only root file system with a writable /tmp.
 *
 * Exit codes: 64 (EX_USAGE) for a missing or malformed BACKEND_URL, 73 (EX_CANTCREAT) when /tmp is not
 * writable, 126 when nginx cannot be started; after the exec, nginx's own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUNTIME_DIR "/tmp/nginx"
#define BACKEND_CONF RUNTIME_DIR "/backend.conf"
#define NGINX_BINARY "/usr/sbin/nginx"
#define NGINX_CONF "/etc/todo-frontend/nginx.conf"
#define EX_USAGE 64
#define EX_CANTCREAT 73
#define EXAMPLE_URL "http://todo-backend:8000"
/* A DNS name is at most 253 characters; ":65535" adds 6. */
#define HOSTPORT_MAX (253 + 6)

static int is_letter_or_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Writes "host:port" of an http://host[:port][/] URL into hostport (port 80 when none is given).
 * The host starts and ends with a letter or digit and holds only letters, digits, dots and hyphens,
 * so the result is safe to put into the nginx configuration as it is. Returns 0, or -1 if url is not
 * of that form.
 */
static int backend_hostport(const char *url, char hostport[HOSTPORT_MAX + 1])
{
    static const char scheme[] = "http://";
    const char *host, *end, *port = NULL;
    size_t host_length, port_length = 0;
    unsigned long port_number = 80;

    if (strncmp(url, scheme, sizeof scheme - 1) != 0)
        return -1;
    host = url + sizeof scheme - 1;
    for (end = host; is_letter_or_digit(*end) || *end == '.' || *end == '-'; end++)
        ;
    host_length = (size_t)(end - host);
    if (host_length == 0 || host_length > 253 || !is_letter_or_digit(host[0]) || !is_letter_or_digit(end[-1]))
        return -1;
    if (*end == ':') {
        port = ++end;
        while (*end >= '0' && *end <= '9')
            end++;
        port_length = (size_t)(end - port);
        if (port_length == 0 || port_length > 5)
            return -1;
        port_number = strtoul(port, NULL, 10);
        if (port_number == 0 || port_number > 65535)
            return -1;
    }
    if (*end == '/')
        end++;
    if (*end != '\0')
        return -1;
    snprintf(hostport, HOSTPORT_MAX + 1, "%.*s:%lu", (int)host_length, host, port_number);
    return 0;
}

static int write_backend_conf(const char *hostport)
{
    FILE *conf;

    if (mkdir(RUNTIME_DIR, 0755) != 0 && errno != EEXIST)
        return -1;
    conf = fopen(BACKEND_CONF, "w");
    if (conf == NULL)
        return -1;
    if (fprintf(conf, "# Written by todo-frontend-start from BACKEND_URL.\nserver %s;\n", hostport) < 0) {
        int saved = errno;
        fclose(conf);
        errno = saved;
        return -1;
    }
    return fclose(conf);
}

int main(int argc, char *argv[])
{
    const char *url = getenv("BACKEND_URL");
    char hostport[HOSTPORT_MAX + 1];
    char **nginx_argv;
    int i;

    if (url == NULL || url[0] == '\0') {
        fprintf(stderr, "todo-frontend: BACKEND_URL is not set; set it to the backend's address, e.g. " EXAMPLE_URL "\n");
        return EX_USAGE;
    }
    if (backend_hostport(url, hostport) != 0) {
        fprintf(stderr, "todo-frontend: BACKEND_URL='%s' is not of the form http://host[:port] (no path), e.g. " EXAMPLE_URL "\n", url);
        return EX_USAGE;
    }
    if (write_backend_conf(hostport) != 0) {
        fprintf(stderr, "todo-frontend: cannot write " BACKEND_CONF ": %s (the container needs a writable /tmp, e.g. --tmpfs /tmp)\n", strerror(errno));
        return EX_CANTCREAT;
    }

    /* nginx -e stderr -c NGINX_CONF [arguments of this program] */
    nginx_argv = calloc((size_t)argc + 5, sizeof *nginx_argv);
    if (nginx_argv == NULL) {
        perror("todo-frontend");
        return 126;
    }
    nginx_argv[0] = "nginx";
    nginx_argv[1] = "-e";
    nginx_argv[2] = "stderr";
    nginx_argv[3] = "-c";
    nginx_argv[4] = NGINX_CONF;
    for (i = 1; i < argc; i++)
        nginx_argv[4 + i] = argv[i];

    fprintf(stderr, "todo-frontend: nginx on :8080, proxying /api, /mcp, /healthz and /readyz to http://%s\n", hostport);
    fflush(stderr);
    execv(NGINX_BINARY, nginx_argv);
    fprintf(stderr, "todo-frontend: cannot start " NGINX_BINARY ": %s\n", strerror(errno));
    return 126;
}
