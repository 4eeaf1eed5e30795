/* Lost blocks that hold other blocks: a list, a tree and a cycle, all lost at once. */
#include <stdlib.h>

struct node { struct node *next; int value; };
struct tree { struct tree *left, *right; char payload[16]; };

static struct node *make_list(int n) {
    struct node *head = NULL;
    for (int i = 0; i < n; i++) {
        struct node *e = malloc(sizeof *e);
        e->next = head;
        e->value = i;
        head = e;
    }
    return head;
}

static struct tree *make_tree(int depth) {
    if (depth == 0) {
        return NULL;
    }
    struct tree *t = malloc(sizeof *t);
    t->left = make_tree(depth - 1);
    t->right = make_tree(depth - 1);
    return t;
}

static void make_cycle(void) {
    struct node *a = malloc(sizeof *a);
    struct node *b = malloc(sizeof *b);
    struct node *c = malloc(sizeof *c);
    a->next = b;
    b->next = c;
    c->next = a;
}

int main(void) {
    struct node *list = make_list(5);
    struct tree *tree = make_tree(4);
    make_cycle();
    list = NULL;
    tree = NULL;
    (void) list;
    (void) tree;
    return 0;
}
